#!/usr/bin/env bash
# Brings one stack's release change to main as a pull request, opened with the release GitHub
# App's token (GH_TOKEN): a pull request opened with GITHUB_TOKEN would trigger no workflow, so
# it would never get the tests and previews every pull request gets (GitHub docs, "Triggering a
# workflow from a workflow").
#
# Re-runnable; every outcome below exits 0 and says which it was:
#   - the release changed nothing in the stack file           → no pull request
#   - the change is already on main (an earlier run merged)   → no pull request
#   - the branch is already pushed with exactly this content  → branch reused
#   - a pull request is already open for the branch           → pull request reused
# The change is re-applied onto the current main (a three-way merge of the deployed commit's
# file, the deployed file and main's file), so operator steps merged since the deployed commit
# are kept; if main changed the same lines, it stops and says how to finish by hand.
#
# Environment: STACK, TAG, SIDE (spring|legacy), SHA (the deployed commit), DEPLOYED_FILE (the
# stack file after the release), DIGEST (optional), GH_TOKEN; GITHUB_REPOSITORY, GITHUB_SERVER_URL,
# GITHUB_RUN_ID as GitHub sets them. Run from a checkout of SHA.
set -euo pipefail

fail() {
    echo "::error::$*"
    exit 1
}
[[ "${STACK-}" =~ ^[a-z][a-z0-9-]{0,39}$ ]] || fail "STACK must be a stack name"
[[ "${TAG-}" =~ ^(spring|rails)-v[0-9][0-9A-Za-z.-]{0,40}$ ]] || fail "TAG must be a release tag"
[[ "${SIDE-}" =~ ^(spring|legacy)$ ]] || fail "SIDE must be spring or legacy"
[[ "${SHA-}" =~ ^[0-9a-f]{40}$ ]] || fail "SHA must be a full commit id"
[[ -z "${DIGEST-}" || "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "DIGEST must be sha256:<64 hex>"
[[ -f "${DEPLOYED_FILE-}" ]] || fail "DEPLOYED_FILE: no file ${DEPLOYED_FILE-}"

file="Pulumi.${STACK}.yaml"
branch="release/${TAG}-${STACK}"
run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"
work="$(mktemp -d)"

# git talks to GitHub with the App's token, through gh's credential helper (no token in .git/config).
gh auth setup-git
git fetch --quiet --depth=1 origin "+refs/heads/main:refs/remotes/origin/main"

git show "${SHA}:${file}" >"$work/base"
git show "origin/main:${file}" >"$work/main"
if cmp -s "$work/base" "$DEPLOYED_FILE"; then
    echo "The release changed nothing in ${file}: no pull request."
    exit 0
fi
cp "$work/main" "$work/merged"
if ! git merge-file -q "$work/merged" "$work/base" "$DEPLOYED_FILE"; then
    fail "${file} changed on main in the same lines since ${SHA}: open the pull request by hand with the deployed file (artifact stack-file-${STACK} of ${run_url})"
fi
if cmp -s "$work/merged" "$work/main"; then
    echo "The change to ${file} is already on main: no pull request."
    exit 0
fi

remote_sha="$(git ls-remote --heads origin "refs/heads/${branch}" | cut -f1)"
if [[ -n "$remote_sha" ]] && git fetch --quiet --depth=1 origin "+refs/heads/${branch}:refs/remotes/origin/${branch}" &&
    git show "origin/${branch}:${file}" | cmp -s - "$work/merged"; then
    echo "Branch ${branch} already holds this change: reused."
else
    git switch --quiet --force-create "$branch" origin/main
    cp "$work/merged" "$file"
    git add "$file"
    git -c user.name="release-bot" -c user.email="release-bot@users.noreply.github.com" \
        commit --quiet -m "Release ${TAG} to the idle ${SIDE} color of ${STACK}" -m "Deployed from ${SHA} by ${run_url}"
    # Replace only the branch state this run saw (another run's newer push is not overwritten).
    git push --quiet --force-with-lease="refs/heads/${branch}:${remote_sha}" origin "HEAD:refs/heads/${branch}"
    echo "Pushed ${branch}."
fi

existing="$(gh pr list --repo "$GITHUB_REPOSITORY" --head "$branch" --base main --state open --json url --jq '.[0].url // ""')"
if [[ -n "$existing" ]]; then
    echo "Pull request already open: ${existing}"
    exit 0
fi

# The color the release wrote (the one this change touches), for a flip command that works when pasted.
field=image
[[ "$SIDE" == legacy ]] && field=versionLabel
color=""
if command -v yq >/dev/null 2>&1; then
    project="$(yq -r '.name' Pulumi.yaml)"
    # One yq process per file, not per color (blue's line first):
    # the union `.a, .b` prints one line per result, in mikefarah/yq and the jq-based yq alike.
    spec=".config.\"${project}:${SIDE}\""
    mapfile -t before < <(yq -r "${spec}.blue.${field}, ${spec}.green.${field}" "$work/base")
    mapfile -t after < <(yq -r "${spec}.blue.${field}, ${spec}.green.${field}" "$DEPLOYED_FILE")
    if [[ "${before[0]-}" != "${after[0]-}" ]]; then color=blue; fi
    if [[ "${before[1]-}" != "${after[1]-}" ]]; then color=green; fi
fi
flip="npm run canary -- flip ${SIDE} ${color:-<the color this pull request changes>} --stack ${STACK}"

cat >"$work/body.md" <<BODY
Deployed by the release workflow (${run_url}) from commit ${SHA}: \`${TAG}\` now runs on the idle ${SIDE} color${color:+ (${color})} of \`${STACK}\`${DIGEST:+, image digest \`${DIGEST}\`}. **No traffic has moved.**

### QA before any traffic moves
Run

    npm run canary -- status --stack ${STACK}

It prints the exact QA command for the stack's current cut-in phase, with the continuous-deployment header where one is needed. Use that command, not one from an older runbook or release.

**Before the cut-in is promoted, testers may not reach Spring at all**: until then the viewer-facing distribution can answer from the old Rails environments whatever header a request carries, so a Rails answer can pass for Spring's. \`canary status\` says when that is so; do not sign off a Spring release before it prints a command that reaches Spring.

### Then
1. When QA passes, make the released color live: \`${flip}\` (checked by the plan and the policy pack; add \`--apply\` to run the update).
2. Merge this pull request, so that the stack file on main says what is deployed.
BODY

gh pr create --repo "$GITHUB_REPOSITORY" --base main --head "$branch" \
    --title "Release ${TAG} to the idle ${SIDE} color of ${STACK}" --body-file "$work/body.md"
