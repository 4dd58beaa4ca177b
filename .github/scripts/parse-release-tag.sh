#!/usr/bin/env bash
# Validates a release tag before any of it reaches $GITHUB_OUTPUT or a command line, then
# writes tag, side and version to $GITHUB_OUTPUT.
#
# The tag comes from the push (github.ref_name) or from the workflow_dispatch input, both
# untrusted text: a value with a newline would add lines of its own to $GITHUB_OUTPUT
# ("version=1\nside=…"), and a `$(…)` interpolated into a script would run. So the value is
# passed in the environment (never as ${{ }} inside a script), matched whole against a strict
# pattern, and only the matched pieces are written. Bash's =~ anchors ^ and $ at the ends of
# the string, not at newlines, so a value with a newline never matches.
#
# Environment: RELEASE_TAG, RUN_EVENT (github.event_name), RUN_REF_TYPE, RUN_REF_NAME.
# Exit 2 with one ::error:: line on anything else.
set -euo pipefail

tag="${RELEASE_TAG-}"
pattern='^(spring|rails)-v([0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}(-[0-9A-Za-z][0-9A-Za-z.]{0,19})?)$'

if [[ ${#tag} -gt 48 || ! "$tag" =~ $pattern ]]; then
    # %q: the rejected value is printed escaped, so it cannot start a workflow command of its own.
    printf '::error::release tag %q: expected spring-vX.Y.Z or rails-vX.Y.Z (digits; an optional -suffix of letters, digits and dots)\n' "$tag"
    exit 2
fi
side="${BASH_REMATCH[1]}"
version="${BASH_REMATCH[2]}"
[[ "$side" == rails ]] && side=legacy

# A dispatch deploys the ref it runs on: that must be the tag itself, so that the environments'
# tag-only deployment policies apply and the workflow file that runs is the tagged one.
if [[ "${RUN_EVENT-}" == workflow_dispatch && ("${RUN_REF_TYPE-}" != tag || "${RUN_REF_NAME-}" != "$tag") ]]; then
    printf '::error::dispatch the release from its tag: gh workflow run release.yml --ref %s -f tag=%s (this run is on %q)\n' "$tag" "$tag" "${RUN_REF_NAME-}"
    exit 2
fi

{
    echo "tag=$tag"
    echo "side=$side"
    echo "version=$version"
} >>"$GITHUB_OUTPUT"
echo "Release $tag: $side $version"
