#!/usr/bin/env bash
# Log docker (and so trivy, syft and cosign, which read ~/.docker/config.json)
# in to every registry named in a refs file, with the job's OIDC cloud session.
# Passwords go through stdin only; nothing secret is printed.
# Usage: registry_login.sh REFS_FILE
set -euo pipefail

refs_file="$1"
here="$(cd "$(dirname "$0")" && pwd)"

python3 "$here/image_refs.py" registries < "$refs_file" | while read -r kind host; do
  case "$kind" in
    ecr)
      # <account>.dkr.ecr.<region>.amazonaws.com
      region="$(cut -d. -f4 <<<"$host")"
      aws ecr get-login-password --region "$region" \
        | docker login --username AWS --password-stdin "$host" >/dev/null
      ;;
    gar)
      gcloud auth print-access-token \
        | docker login --username oauth2accesstoken --password-stdin "https://$host" >/dev/null
      ;;
    acr)
      az acr login --name "${host%%.*}" >/dev/null
      ;;
    *)
      echo "::notice title=registry-login::$host is not ECR, Artifact Registry or ACR: using the runner's existing docker credentials (none for a public image)"
      continue
      ;;
  esac
  echo "logged in to $kind registry $host"
done
