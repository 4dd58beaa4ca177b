/**
 * CloudFront facts (AWS-managed ids, the same in every account), used by the
 * EdgeDistribution component and by the policies that check it.
 */

/** Managed cache policy "CachingDisabled": a payments API must never be served from cache. */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/** Managed origin request policy "AllViewer": every viewer header (Host included), cookie and query string. */
export const ALL_VIEWER_POLICY_ID = "216adef6-5c7f-47e4-b989-5492eafa07d3";
/**
 * Managed origin request policy "AllViewerExceptHostHeader": every viewer header but Host,
 * every cookie, every query string. With caching disabled it is also how the Authorization
 * header reaches the origin on GET requests: a custom policy that names it is rejected.
 */
export const ALL_VIEWER_EXCEPT_HOST_POLICY_ID = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/**
 * Managed origin request policy "AllViewerAndCloudFrontHeaders-2022-06": every viewer header,
 * cookie and query string plus CloudFront's own headers (AWS: "Use managed origin request policies").
 */
export const ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID = "33f36d7e-f396-46d9-90e0-52428a34d9dc";
/** Hosted zone id of every CloudFront distribution, for alias records. */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2";
