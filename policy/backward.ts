/**
 * "Backward always": whether an update moves toward the last known-good state, so that a
 * violation the deployed state already had (and the update does not make worse) is no
 * reason to refuse it. Each policy that grants this excuse still checks "not worse" itself.
 */
import type { PolicyResource } from "@pulumi/policy";
import { cutinMovesBack } from "./cutin";
import { Deployed, movesBack, raisesNoShare, recordedStateIn } from "./stackView";

/** Whether a live color (Beanstalk's or Spring's) differs from the deployed one. */
function flipsColor(resources: readonly PolicyResource[], deployed: Deployed): boolean {
    const recorded = recordedStateIn(resources);
    return deployed.kind === "state" && typeof recorded !== "string" && JSON.stringify(recorded.liveColors) !== JSON.stringify(deployed.state.liveColors);
}

/**
 * A move toward the last known-good state: Spring's share goes down on some request path
 * and up on none (or the Beanstalk pair comes back); or, with Spring's share raised on no
 * path, a live color flips (the pack cannot tell a flip back, as the canary tool's rollback
 * makes it, from a release's flip: neither raises a share) or the
 * cut-in moves back (an earlier phase, a lower edge weight). Never true when the deployed
 * state cannot be read.
 */
export function towardKnownGood(resources: readonly PolicyResource[], deployed: Deployed): boolean {
    if (deployed.kind !== "state") return false;
    if (movesBack(resources, deployed)) return true;
    return raisesNoShare(resources, deployed) && (flipsColor(resources, deployed) || cutinMovesBack(resources));
}
