// PrecisionTests: content shapes from common ESP/CDN templates (invented hosts, realistic paths) that
// must get no evidence in any vector a template uses them in.
import Testing
@testable import PixelHTML

@Suite struct PrecisionTests {
    static let contentURLs = [
        "https://mcusercontent.com/9a3d1e2b4c5f6a7b8c9d0e1f2/images/5c1e7a2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d.png",
        "https://d3k81ch9hvuctc.cloudfront.net/company/Ux7Y9z/images/8c3e3f1e-1a2b-4c5d-9e8f-0a1b2c3d4e5f.jpeg",
        "https://cdn.shopify.com/s/files/1/0123/4567/8901/products/IMG_1234.jpg?v=1612345678",
        "https://res.cloudinary.com/brand/image/upload/c_fill,w_600/v1612345678/email/hero-spring.jpg",
        "https://brand.imgix.net/hero.jpg?w=600&auto=format&s=7c1e9302405caf92c5d50dc26a4e63de",
        "https://images.unsplash.com/photo-1506905925346-21bda4d32df4?ixlib=rb-4.0.3&ixid=M3wxMjA3fDB8MHxwaG90by1wYWdlfHx8fGVufDB8fHx8fA%3D%3D&w=600",
        "https://www.gravatar.com/avatar/205e460b479e2e5b48aec07710c08d50?s=48&d=identicon",
        "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg",
        "https://d1oco4z2z1fhwp.cloudfront.net/templates/default/2966/logo.png",
        "https://xhgxdv.stripocdn.email/content/guids/CABINET_7c3f9aa7a7ff0f9ec3a0e9b7c9d2f6ee/images/banner.png",
        "https://assets.brand.test/email/app-store-badge.png",
        "https://bucket.s3.amazonaws.com/email/hero.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604800&X-Amz-Signature=Zx3Kq9Lm2Np8Rt5Vw1Yb4Dc7Fg0Hj6Ks",
        "https://d111111abcdef8.cloudfront.net/hero.jpg?Expires=1767225600&Signature=Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY~Zz&Key-Pair-Id=K2JCJMDEHXQW5F",
        "https://appboy-images.com/appboy/communication/assets/image_assets/images/60a7f3c2b1d4e5f6a7b8c9d0/original.png?1621357007",
        "https://img.brand.test/newsletter/2026/05/spring-sale-600x300.jpg",
        "https://static.brand.test/fonts/brand-sans-bold.woff2",
        "https://fonts.googleapis.com/css2?family=Inter:wght@400;700&display=swap",
    ]

    @Test func contentInEveryVectorHasNoEvidence() {
        let c = TrackerClassifier()
        for u in Self.contentURLs {
            let html = "<img src=\"\(u)\" width=\"600\" height=\"300\"><img src=\"\(u)\" width=\"24\" height=\"24\">"
                + "<td background=\"\(u)\" style=\"background-image:url('\(u)')\"><style>.a{background:url(\(u))}@import url(\(u));</style>"
                + "<img src=\"/x.jpg\" srcset=\"/x.jpg 1x, \(u) 2x\"><!--[if mso]><v:fill type=\"frame\" src=\"\(u)\"/><![endif]-->"
                + "<link rel=\"stylesheet\" href=\"\(u)\"><video poster=\"\(u)\" width=\"600\"></video>"
            let found = scanOf(html).resources.filter { $0.url == u }
            #expect(found.count == 10, "\(u)")
            for r in found {
                let ev = c.evidence(for: r, recipients: ["reader@example.org"])
                #expect(ev.isEmpty, "\(r.vector.rawValue) \(u): \(ev)")
            }
        }
    }
}
