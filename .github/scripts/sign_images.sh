#!/usr/bin/env bash
# Keyless supply-chain evidence for every deployed digest: per platform image,
# an SPDX SBOM made by syft and attached with `cosign attest --type spdxjson`;
# then a cosign signature on the index and each platform image (--recursive).
# Fulcio issues the certificate from the job's GitHub OIDC token; Rekor logs it.
# Usage: sign_images.sh REFS_FILE OUT_DIR   (SYFT: the syft command, default syft)
set -euo pipefail

refs_file="$1"
out_dir="$2"
syft="${SYFT:-syft}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out_dir"

while read -r ref; do
  [[ -n "$ref" ]] || continue
  echo "::group::SBOMs, attestations and signature for $ref"
  manifests="$(docker buildx imagetools inspect --raw "$ref" | python3 "$here/image_refs.py" manifests)"
  while read -r platform digest; do
    image="${ref%@*}@$digest"
    sbom="$out_dir/$(tr -c 'A-Za-z0-9.-' '_' <<<"${ref%@*}_$digest").spdx.json"
    "$syft" scan "registry:$image" --output "spdx-json=$sbom"
    echo "SBOM of $platform: $sbom"
    cosign attest --yes --type spdxjson --predicate "$sbom" "$image"
  done <<<"$manifests"
  cosign sign --yes --recursive "$ref"
  echo "::endgroup::"
done < "$refs_file"
