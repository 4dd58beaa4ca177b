/**
 * "Backward always": whether an update moves toward the last known-good state, so that a
 * violation the deployed state already had (and the update does not make worse) is no
 * reason to refuse it. Each policy that grants this excuse still checks "not worse" itself.
 */
import type { PolicyResource } from "@pulumi/policy";
import { cutinMovesBack, cutinMovesForward } from "./cutin";
import { Deployed, movesBack, raisesNoShare, recordedStateIn } from "./stackView";

/**
 * Whether a live color flips: a side present in both states (Beanstalk's, Spring's) names
 * another live color. A flip counts whatever share the side has: at Spring 0 % the flip back
 * the canary tool makes still moves testers (the QA route) back to the known-good color, and
 * a move back is never blocked. A side that goes away (the Beanstalk pair decommissioned: its
 * live color becomes null) never flips.
 */
function flipsColor(resources: readonly PolicyResource[], deployed: Deployed): boolean {
    const recorded = recordedStateIn(resources);
    if (deployed.kind !== "state" || typeof recorded === "string") return false;
    return (["spring", "legacy"] as const).some((side) => {
        const was = deployed.state.liveColors[side];
        const now = recorded.liveColors[side];
        return !!was && !!now && was !== now;
    });
}

/**
 * A move toward the last known-good state: Spring's share goes down on some request path
 * and up on none (or the Beanstalk pair comes back); or, with Spring's share raised on no
 * path, a live color flips (the pack cannot tell a flip back, as the canary tool's rollback
 * makes it, from a release's flip: neither raises a share) or the cut-in moves back (an
 * earlier phase, a lower edge weight). Never true when the deployed state cannot be read,
 * nor when the cut-in moves forward (a later phase, a higher edge weight, the old origin
 * retired): a flip or a lower Spring share riding along does not make an edge step forward
 * a move back.
 */
export function towardKnownGood(resources: readonly PolicyResource[], deployed: Deployed): boolean {
    if (deployed.kind !== "state") return false;
    if (cutinMovesForward(resources)) return false;
    if (movesBack(resources, deployed)) return true;
    return raisesNoShare(resources, deployed) && (flipsColor(resources, deployed) || cutinMovesBack(resources));
}
