// PageTests: the withdrawal and preferences pages over a real socket: GET never writes, POST needs
// the page's nonce, withdrawal covers every consentable purpose with evidence, preference choices
// (save, accept all, refuse all) are stored, language follows Accept-Language, values are escaped.
import Foundation
import PixelCrypto
import PixelPolicy
import PixelStore
import Testing
@testable import PixelWeb

@Suite struct WithdrawPageTests {
    @Test func getShowsPurposesAndOneButtonAndNeverWrites() throws {
        let f = try WebFixture()
        try f.grant(Purpose.consentable)
        let t = f.token(.withdraw, purposes: [.openMeasurement, .personalization])
        for _ in 0..<3 {
            let r = try f.get("/w/\(t)")
            #expect(r.status == 200)
            #expect(r.text.contains("<form method=\"post\" action=\"/w/\(t)\">"))
            #expect(r.text.components(separatedBy: "<button").count == 2)
            #expect(r.text.contains("id=\"withdraw\""))
            #expect(r.text.contains("Mesure d'ouverture") || r.text.contains("Mesure d&#39;ouverture"))
            #expect(r.text.contains("data-purpose=\"personalization\""))
            #expect(!r.text.contains("data-purpose=\"cross_channel\""))
        }
        _ = try f.get("/p/\(f.token(.preferences))")
        #expect(try f.history().count == 5)
    }

    @Test func postWithdrawsEveryPurposeWithEvidence() throws {
        let f = try WebFixture()
        try f.grant(Purpose.consentable)
        let t = f.token(.withdraw)
        let page = try f.get("/w/\(t)", ["Accept-Language": "en-GB,en;q=0.9"])
        let nonce = try #require(WebFixture.nonce(in: page.text))
        let r = try f.postForm("/w/\(t)", [("nonce", nonce)], ["User-Agent": "TestBrowser/1.0"])
        #expect(r.status == 200)
        #expect(r.text.contains("id=\"confirmation\""))
        #expect(r.text.contains("lang=\"en\""))
        let profile = try f.store.profile(for: "bob@example.org", at: Date())
        #expect(profile.granted.isEmpty)
        let events = try f.history().filter { $0.source == "web" }
        #expect(events.count == 5)
        #expect(Set(events.map(\.purpose)) == Set(Purpose.consentable))
        #expect(events.allSatisfy { $0.action == .withdraw })
        let ev = try #require(try JSONSerialization.jsonObject(with: Data(events[0].evidence.utf8)) as? [String: Any])
        #expect(ev["method"] as? String == "withdraw_link")
        #expect(ev["user_agent"] as? String == "TestBrowser/1.0")
        #expect(ev["page_sha256"] as? String == Digest.hex(Digest.sha256(page.body)))
        #expect(ev["ip_hash"] as? String == WebKeys(keyring: f.keyring).hashIP("127.0.0.1"))
        #expect((ev["purposes"] as? [String])?.count == 5)
        #expect(ev["at"] as? String != nil)
        // The gate now answers the GIF.
        #expect(try f.get("/o/\(f.token(.gate))").status == 200)
    }

    @Test func badOrMissingNonceIs403AndChangesNothing() throws {
        let f = try WebFixture()
        try f.grant(Purpose.consentable)
        let t = f.token(.withdraw)
        let otherToken = f.token(.withdraw, "eve@example.org")
        let otherNonce = try #require(WebFixture.nonce(in: try f.get("/w/\(otherToken)").text))
        let good = try #require(WebFixture.nonce(in: try f.get("/w/\(t)").text))
        var tampered = Array(good)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "a" ? "b" : "a"
        for fields in [[], [("nonce", "")], [("nonce", otherNonce)], [("nonce", String(tampered))], [("nonce", "1.fr.-.AAAA")]] {
            let r = try f.postForm("/w/\(t)", fields)
            #expect(r.status == 403)
        }
        #expect(try f.history().count == 5)
        #expect(try f.store.profile(for: "bob@example.org", at: Date()).granted.count == 5)
    }

    @Test func badTokenIs404Page() throws {
        let f = try WebFixture()
        for path in ["/w/garbage", "/w/\(f.token(.gate))", "/p/\(f.token(.withdraw))", "/p/x"] {
            let r = try f.get(path)
            #expect(r.status == 404)
            #expect(r.header("content-type")?.hasPrefix("text/html") == true)
        }
        #expect(try f.postForm("/w/garbage", [("nonce", "x")]).status == 404)
    }
}

@Suite struct PreferencesPageTests {
    @Test func pageListsEveryPurposeWithStateActorsAndPolicy() throws {
        let f = try WebFixture()
        try f.grant([.personalization])
        let r = try f.get("/p/\(f.token(.preferences))")
        #expect(r.status == 200)
        #expect(r.text.contains("<html lang=\"fr\">"))
        for p in Purpose.consentable {
            #expect(r.text.contains("<fieldset class=\"purpose\" data-purpose=\"\(p.id)\"><legend>"))
            #expect(r.text.contains("name=\"\(p.id)\" value=\"grant\"\(p == .personalization ? " checked" : "")>"))
            #expect(r.text.contains("name=\"\(p.id)\" value=\"refuse\"\(p == .personalization ? "" : " checked")>"))
        }
        #expect(r.text.components(separatedBy: "<details>").count == 6)
        #expect(r.text.components(separatedBy: "class=\"summary\"").count == 6)
        #expect(r.text.contains("id=\"accept-all\" class=\"all\""))
        #expect(r.text.contains("id=\"refuse-all\" class=\"all\""))
        #expect(r.text.contains("value=\"save\" id=\"save\""))
        #expect(r.text.contains("<ul id=\"actors\">"))
        #expect(r.text.contains("Mailer &lt;Partner&gt; &amp; Co"))
        #expect(!r.text.contains("<Partner>"))
        #expect(r.text.contains("<a id=\"policy\" href=\"https://shop.example/privacy\">"))
        #expect(!r.text.contains("<script"))
        #expect(!r.text.contains("src="))
    }

    @Test func languageFollowsAcceptLanguage() throws {
        let f = try WebFixture()
        let t = f.token(.preferences)
        #expect(try f.get("/p/\(t)", ["Accept-Language": "en-US,en;q=0.9,fr;q=0.5"]).text.contains("<html lang=\"en\">"))
        #expect(try f.get("/p/\(t)", ["Accept-Language": "de-DE,fr;q=0.4,en;q=0.6"]).text.contains("<html lang=\"en\">"))
        #expect(try f.get("/p/\(t)", ["Accept-Language": "fr-CA"]).text.contains("<html lang=\"fr\">"))
        #expect(try f.get("/p/\(t)", ["Accept-Language": "de"]).text.contains("<html lang=\"fr\">"))
        #expect(try f.get("/p/\(t)").text.contains("Tout refuser"))
        #expect(try f.get("/p/\(t)", ["Accept-Language": "en"]).text.contains("Refuse all"))
    }

    @Test func saveStoresEachRadioChoice() throws {
        let f = try WebFixture()
        let t = f.token(.preferences)
        let page = try f.get("/p/\(t)", ["Accept-Language": "en"])
        let nonce = try #require(WebFixture.nonce(in: page.text))
        let r = try f.postForm("/p/\(t)", [("nonce", nonce), ("open_measurement", "grant"), ("personalization", "grant"),
                                           ("cross_channel", "refuse"), ("action", "save")])
        #expect(r.status == 200)
        #expect(r.text.contains("id=\"confirmation\""))
        #expect(r.text.contains("data-purpose=\"open_measurement\" data-state=\"granted\""))
        #expect(r.text.contains("data-purpose=\"cross_channel\" data-state=\"refused\""))
        #expect(try f.store.profile(for: "bob@example.org", at: Date()).granted == [.openMeasurement, .personalization])
        let events = try f.history()
        #expect(events.count == 5)
        let ev = try #require(try JSONSerialization.jsonObject(with: Data(events[0].evidence.utf8)) as? [String: Any])
        #expect(ev["method"] as? String == "preferences_page")
        #expect(ev["page_sha256"] as? String == Digest.hex(Digest.sha256(page.body)))
        #expect(ev["language"] as? String == "en")
    }

    @Test func acceptAllThenRefuseAll() throws {
        let f = try WebFixture()
        let t = f.token(.preferences)
        var nonce = try #require(WebFixture.nonce(in: try f.get("/p/\(t)").text))
        var r = try f.postForm("/p/\(t)", [("nonce", nonce), ("action", "accept_all"), ("open_measurement", "refuse")])
        #expect(r.status == 200)
        #expect(try f.store.profile(for: "bob@example.org", at: Date()).granted == Set(Purpose.consentable))
        let granted = try f.get("/p/\(t)")
        #expect(granted.text.contains("name=\"fraud_detection\" value=\"grant\" checked"))
        nonce = try #require(WebFixture.nonce(in: granted.text))
        r = try f.postForm("/p/\(t)", [("nonce", nonce), ("action", "refuse_all")])
        #expect(r.status == 200)
        #expect(r.text.components(separatedBy: "data-state=\"refused\"").count == 6)
        let profile = try f.store.profile(for: "bob@example.org", at: Date())
        #expect(profile.granted.isEmpty)
        #expect(profile.hasExpressedChoice)
    }

    @Test func badNonceOrUnknownActionChangesNothing() throws {
        let f = try WebFixture()
        let t = f.token(.preferences)
        #expect(try f.postForm("/p/\(t)", [("action", "accept_all")]).status == 403)
        let wNonce = try #require(WebFixture.nonce(in: try f.get("/w/\(f.token(.withdraw))").text))
        #expect(try f.postForm("/p/\(t)", [("nonce", wNonce), ("action", "accept_all")]).status == 403)
        let nonce = try #require(WebFixture.nonce(in: try f.get("/p/\(t)").text))
        #expect(try f.postForm("/p/\(t)", [("nonce", nonce), ("action", "delete_everything")]).status == 400)
        #expect(try f.postForm("/p/\(t)", [("nonce", nonce), ("open_measurement", "maybe")]).status == 400)
        #expect(try f.history().isEmpty)
    }

    @Test func formSubmissionsAreRateLimitedPerClient() throws {
        let f = try WebFixture { $0.formRateLimit = 2 }
        let t = f.token(.preferences)
        let nonce = try #require(WebFixture.nonce(in: try f.get("/p/\(t)").text))
        #expect(try f.postForm("/p/\(t)", [("nonce", nonce), ("action", "accept_all")]).status == 200)
        #expect(try f.postForm("/p/\(t)", [("nonce", nonce), ("action", "refuse_all")]).status == 200)
        let r = try f.postForm("/p/\(t)", [("nonce", nonce), ("action", "accept_all")])
        #expect(r.status == 429)
        #expect(Int(r.header("retry-after") ?? "") ?? 0 >= 1)
        #expect(try f.store.profile(for: "bob@example.org", at: Date()).granted.isEmpty)
        // Reading pages is not limited.
        #expect(try f.get("/p/\(t)").status == 200)
    }

    @Test func everyPurposeHasTextInBothLanguages() {
        for lang in FooterLanguage.allCases {
            for p in Purpose.allCases {
                let t = PageText.of(lang).purpose(p)
                #expect(!t.title.isEmpty && !t.summary.isEmpty && !t.detail.isEmpty)
            }
        }
        #expect(PageText.of(.fr).purpose(.openMeasurement).title != PageText.of(.en).purpose(.openMeasurement).title)
    }

    @Test func nonceExpiresAfterFormMaxAge() {
        let n = FormNonce(key: Array(repeating: 1, count: 32), maxAge: 3600)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let form = ShownForm(language: .en, shown: [.openMeasurement: true, .personalization: false, .crossChannel: false,
                                                    .frequencyAdaptation: false, .fraudDetection: true])
        let nonce = n.issue(token: "tok", form: form, now: t0)
        #expect(n.verify(nonce, token: "tok", now: t0) == form)
        #expect(n.verify(nonce, token: "tok", now: t0.addingTimeInterval(3000)) == form)
        #expect(n.verify(nonce, token: "tok", now: t0.addingTimeInterval(7200)) == nil)
        #expect(n.verify(nonce, token: "tok2", now: t0) == nil)
        #expect(n.verify(nonce.replacingOccurrences(of: ".en.", with: ".fr."), token: "tok", now: t0) == nil)
    }
}
