#!/usr/bin/env bash
# npm run deploy:migrate -- --stage <stage> [--region <region>] [--users]
#
# Applies the committed migrations to a deployed stage's database, before its functions are deployed
# (expand/contract: the version still serving works on the migrated schema; see README, Operations: "Everyday deploys").
# The database lives in private subnets, so the work runs in the stage's `migrate` function: its code is
# updated to this checkout's (migrations included), then it is invoked and its reply printed. `--users`
# also creates or updates the two database users first (a stage's first setup, a rotated password).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage='' users=false args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --users) users=true ;;
    --stage) stage="$2"; args+=("$1" "$2"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ -n "$stage" ] || { echo 'usage: npm run deploy:migrate -- --stage <stage> [--region <region>] [--users]' >&2; exit 2; }

# `deploy function` changes only the function's code, never the API's aliases. It leaves settings that come
# from CloudFormation (the imported endpoints, the VPC) as the last full deploy set them: a release that
# changes the migrate function's settings needs `npm run deploy` before its migrations.
if ! npx serverless deploy function --function migrate "${args[@]}"; then
  echo "could not update conduit-api-$stage's migrate function: is the stage deployed? A new stage's first" >&2
  echo 'deploy comes before its first migration (README, Operations: "Bring up a stage").' >&2
  exit 1
fi
payload=$([ "$users" = true ] && echo '{"provisionUsers":true}' || echo '{}')
# `invoke` exits non-zero when the function fails, with its error printed.
npx serverless invoke --function migrate --data "$payload" "${args[@]}"
