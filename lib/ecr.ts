/**
 * ECR facts the execution role and the release path need. Pure: tested without mocks.
 */

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?::[\w][\w.-]*)?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * The ECR repository ARN an image reference pulls from, or undefined for an image
 * outside ECR (then the execution role needs no ECR permissions at all).
 */
export function ecrRepositoryArn(image: string): string | undefined {
    const m = ECR_IMAGE.exec(image);
    if (!m) {
        return undefined;
    }
    const [, account, region, repository] = m;
    const partition = image.includes(".amazonaws.com.cn/") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}

/**
 * The digest an image reference is pinned to (`sha256:<64 hex>`), or undefined for a reference
 * by tag alone. A tag can be moved to another image by a push unless the repository's tags are
 * immutable (ECR User Guide, "Preventing image tags from being overwritten"); a digest names
 * one image for good.
 */
export function imageDigest(image: string): string | undefined {
    return /@(sha256:[a-f0-9]{64})$/.exec(image)?.[1];
}
