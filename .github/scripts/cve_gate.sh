#!/usr/bin/env bash
# Rule S04's CI half: fail when the image of any platform of any ref has a
# fixable CRITICAL or HIGH vulnerability. Each platform manifest of the index is
# scanned by its own digest, not just the runner's platform.
# Usage: cve_gate.sh REFS_FILE
set -euo pipefail

refs_file="$1"
here="$(cd "$(dirname "$0")" && pwd)"
status=0

while read -r ref; do
  [[ -n "$ref" ]] || continue
  manifests="$(docker buildx imagetools inspect --raw "$ref" | python3 "$here/image_refs.py" manifests)"
  while read -r platform digest; do
    image="${ref%@*}@$digest"
    echo "::group::trivy $image ($platform)"
    if ! trivy image --image-src remote --scanners vuln \
      --exit-code 1 --severity CRITICAL,HIGH --ignore-unfixed --no-progress "$image"; then
      echo "::error title=CVE gate (S04)::$ref ($platform) has fixable CRITICAL/HIGH vulnerabilities"
      status=1
    fi
    echo "::endgroup::"
  done <<<"$manifests"
done < "$refs_file"

exit "$status"
