/**
 * ECR facts the execution role needs. Pure: tested without mocks.
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
