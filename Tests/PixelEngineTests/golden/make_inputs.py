#!/usr/bin/env python3
"""Writes the golden inputs (NAME.in, NAME.args) of the engine tests. The expected outputs
(NAME.ref) are produced by the engine with UPDATE_GOLDEN=1 and reviewed by eye. Run from this dir."""
import base64, quopri

T1 = "https://u1.mailer.example-esp.test/wf/open?upn=Zq3RkT9wX2mB7vLp4sN8yC1dF6hJ0aE5"
T2 = "https://news.example-shop.test/track/open.php?u=8f3a9c2e71b4d&id=5e6f7a8b9c0d1e2f3a4b"
T3 = "https://r.example-brand.test/tr/op/Xk29fLq0ZpW7mN3vB8cD1eF4gH6jK"
T4 = "https://email.example-app.test/o/eyJwIjoiYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY3ODkwIn0"
T5 = "https://cl.s7.example-cloud.test/open.aspx?ffcb10-fe8b1c7772640d7c-fe2f15777d6c0d7b7c1c-fe9915737167017c"
LOGO = "https://cdn.example-shop.test/img/logo.png"
HERO = "https://cdn.example-shop.test/img/hero-600.jpg"
CLICK = "https://u1.mailer.example-esp.test/ls/click?upn=Zq3RkT9wX2mB7vLp4sN8yC1dF6hJ0aE5"
SPACER = "https://cdn.example-shop.test/img/spacer.gif"
RCPT = "ana.lima@example.org"

def msg(headers, body):
    h = ["From: Example Shop <news@example-shop.test>", f"To: Ana Lima <{RCPT}>", "Subject: Golden test",
         "Date: Mon, 30 Nov 2026 03:00:00 +0000", "Message-ID: <golden@example-shop.test>", "MIME-Version: 1.0"] + headers
    return "\r\n".join(h) + "\r\n" + body

def html_doc(inner, head=""):
    return f"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n{head}</head>\n<body>\n{inner}\n</body>\n</html>\n"

def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")

def single_html(inner, head="", extra_headers=(), cte="7bit", charset="utf-8"):
    doc = crlf(html_doc(inner, head))
    return msg(list(extra_headers) + [f"Content-Type: text/html; charset={charset}", f"Content-Transfer-Encoding: {cte}"], "\r\n" + doc)

def alternative(text, html, extra_headers=(), cte="7bit", charset="utf-8", raw_text=None, raw_html=None):
    b = "==golden-alt-1=="
    parts = [f"--{b}\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n" + (raw_text if raw_text is not None else crlf(text)),
             f"--{b}\r\nContent-Type: text/html; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n" + (raw_html if raw_html is not None else crlf(html))]
    body = "\r\n".join(parts) + f"\r\n--{b}--\r\n"
    return msg(list(extra_headers) + [f"Content-Type: multipart/alternative; boundary=\"{b}\""], "\r\n" + body)

cases = {}
args = {}

# ---- vectors ----------------------------------------------------------------------------------
cases["vector-img"] = single_html(f'<p>Hello Ana,</p>\n<img src="{LOGO}" width="120" height="40" alt="Shop">\n<p>Our news.</p>\n<img src="{T1}" alt="" width="1" height="1" border="0" style="height:1px !important;width:1px !important;border-width:0 !important;margin:0 !important;padding:0 !important;">')
cases["vector-srcset"] = single_html(f'<img src="{HERO}" srcset="{HERO} 1x, {T3}/2x.gif 2x" alt="Hero">\n<picture><source srcset="{T2}&amp;v=w" media="(min-width: 600px)"><img src="{HERO}" alt="Hero again"></picture>')
cases["vector-css-inline"] = single_html(f'<table><tr><td style="background-image: url(\'{T3}\'); color:#333">Sale</td>\n<td style="background:#fff url({HERO}) no-repeat">Content</td></tr></table>')
cases["vector-css-block"] = single_html('<div class="x">Text</div>', head=f'<style>\n@media screen {{ .x {{ background-image: url("{T1}"); }} }}\n.x::before {{ content: url({T5}); }}\n.hero {{ background: url({HERO}); }}\n</style>\n')
cases["vector-import-font-link"] = single_html('<p>Fonts.</p>', head=f'<link rel="stylesheet" href="{T2}&amp;css=1">\n<link rel="stylesheet" href="https://fonts.example-cdn.test/css?family=Open+Sans">\n<style>\n@import url("{T4}");\n@font-face {{ font-family: X; src: url({T3}/font.woff) format("woff"); }}\n</style>\n')
cases["vector-background-attr"] = single_html(f'<table background="{T5}" width="600"><tr><td background="{HERO}">Hi</td></tr></table>')
cases["vector-vml"] = single_html(f'<!--[if mso]>\n<v:rect xmlns:v="urn:schemas-microsoft-com:vml" fill="true" stroke="false" style="width:600px;height:300px;">\n<v:fill type="frame" src="{T1}" color="#ffffff" />\n<v:image src="{HERO}" style="width:600px" />\n</v:rect>\n<![endif]-->\n<p>Body text</p>')
cases["vector-input-video-other"] = single_html(f'<input type="image" src="{T2}&amp;i=1" alt="go">\n<video poster="{T3}/poster.jpg" width="1" height="1"></video>\n<video poster="{HERO}" width="600" height="300"></video>\n<iframe src="{T4}" width="0" height="0"></iframe>\n<p>After</p>')
amp = crlf('<!doctype html>\n<html \u26a14email>\n<head><meta charset="utf-8"><script async src="https://cdn.ampproject.org/v0.js"></script></head>\n<body>\n<amp-img src="' + LOGO + '" width="120" height="40" layout="fixed"></amp-img>\n<amp-pixel src="' + T1 + '" layout="nodisplay"></amp-pixel>\n<amp-img src="' + T3 + '" width="1" height="1"></amp-img>\n<p>AMP body</p>\n</body>\n</html>\n')
b = "==golden-amp=="
cases["vector-amp"] = msg([f"Content-Type: multipart/alternative; boundary=\"{b}\""], "\r\n" + "\r\n".join([
    f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain body\r\n",
    f"--{b}\r\nContent-Type: text/x-amp-html; charset=utf-8\r\n\r\n" + amp,
    f"--{b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + crlf(html_doc(f'<p>HTML body</p><img src="{T1}" width="1" height="1">')),
]) + f"\r\n--{b}--\r\n")

# ---- transfer encodings and charsets --------------------------------------------------------------
fr_html = html_doc(f'<p>Bonjour Ana, voici nos nouveautés d\u2019été : café, crème brûlée.</p>\n<img src="{LOGO}" width="120" height="40" alt="Logo">\n<img src="{T2}" width="1" height="1" alt="" data-tracking-purpose="open_measurement">')
fr_text = "Bonjour Ana, voici nos nouveautés d\u2019été : café, crème brûlée.\n"
def qp(s, cs):
    return quopri.encodestring(crlf(s).encode(cs, "xmlcharrefreplace")).decode("ascii").replace("\n", "\r\n").replace("\r\r\n", "\r\n")
def b64(s, cs):
    e = base64.b64encode(crlf(s).encode(cs, "xmlcharrefreplace")).decode("ascii")
    return "\r\n".join(e[i:i + 76] for i in range(0, len(e), 76)) + "\r\n"
cases["encoding-7bit"] = alternative("Hello Ana\nOur news.\n", html_doc(f'<p>Hello Ana</p><img src="{T1}" width="1" height="1" alt="" data-tracking-purpose="open_measurement">'), extra_headers=["Tracking-Campaign: news-2026-11"], cte="7bit", charset="us-ascii")
args["encoding-7bit"] = "consent=open_measurement"
cases["encoding-8bit-utf8"] = alternative(fr_text, fr_html, cte="8bit", charset="utf-8")
args["encoding-8bit-utf8"] = "consent=open_measurement"
cases["encoding-qp-iso-8859-1"] = alternative(fr_text, fr_html, cte="quoted-printable", charset="iso-8859-1", raw_text=qp(fr_text, "latin-1"), raw_html=qp(fr_html, "latin-1"))
args["encoding-qp-iso-8859-1"] = "consent=open_measurement"
cases["encoding-base64-utf8"] = alternative(fr_text, fr_html, cte="base64", charset="utf-8", raw_text=b64(fr_text, "utf-8"), raw_html=b64(fr_html, "utf-8"))
args["encoding-base64-utf8"] = "consent=open_measurement"
cases["charset-windows-1252"] = alternative(fr_text, fr_html, cte="quoted-printable", charset="windows-1252", raw_text=qp(fr_text, "cp1252"), raw_html=qp(fr_html, "cp1252"))
args["charset-windows-1252"] = "consent=open_measurement"
cases["charset-iso-8859-15"] = alternative(fr_text, fr_html, cte="8bit", charset="iso-8859-15", raw_text=crlf(fr_text).encode("iso8859_15", "xmlcharrefreplace").decode("latin-1"), raw_html=crlf(fr_html).encode("iso8859_15", "xmlcharrefreplace").decode("latin-1"))
args["charset-iso-8859-15"] = "consent=open_measurement"
cases["charset-us-ascii-footer-fallback"] = alternative("Hello Ana\n", html_doc(f'<p>Hello</p><img src="{T2}" width="1" height="1" data-tracking-purpose="open_measurement">'), cte="7bit", charset="us-ascii")
args["charset-us-ascii-footer-fallback"] = "consent=none\nask=true\nlanguage=fr"
cases["charset-koi8-r-bytewise"] = alternative("\u041f\u0440\u0438\u0432\u0435\u0442\n", html_doc(f'<p>\u041f\u0440\u0438\u0432\u0435\u0442</p><img src="{T1}" width="1" height="1">'), cte="8bit", charset="koi8-r",
    raw_text=crlf("\u041f\u0440\u0438\u0432\u0435\u0442\n").encode("koi8_r").decode("latin-1"), raw_html=crlf(html_doc(f'<p>\u041f\u0440\u0438\u0432\u0435\u0442</p><img src="{T1}" width="1" height="1">')).encode("koi8_r").decode("latin-1"))
cases["encoding-long-line-8bit"] = single_html("<p>" + " ".join(["word"] * 400) + f'<img src="{T1}" width="1" height="1">' + " ".join(["more"] * 300) + "</p>", cte="8bit")

# ---- traps ----------------------------------------------------------------------------------------
cases["trap-spacers-icons-links"] = single_html(f'<img src="{SPACER}" width="1" height="1" alt="">\n<img src="https://cdn.example-shop.test/img/blank.gif" width="600" height="1" style="max-height:0">\n<a href="{CLICK}"><img src="https://cdn.example-shop.test/icons/fb.png" width="24" height="24" alt="fb"></a>\n<a href="https://u1.mailer.example-esp.test/wf/open?upn=not-an-image">link text</a>\n<img src="cid:logo@example-shop.test" width="1" height="1">\n<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">')
cases["trap-hidden-preheader"] = single_html(f'<div style="display:none;max-height:0;overflow:hidden">Preheader: 20% off this week</div>\n<p>Visible</p>\n<div style="display:none"><img src="{T4}" width="1" height="1"></div>')
cases["trap-tokenizer-quirks"] = single_html(f'<IMG SRC={T5} WIDTH=1 HEIGHT=1>\n<img/src="{T3}"/>\n<img\n  alt=""\n  src="{T1.replace("&", "&amp;").replace("/", "&#x2F;")}"\n  width="1" height="1">\n<img src="{LOGO}" alt="Logo">\n<!-- <img src="{T2}"> commented out -->')
att = crlf(html_doc(f'<p>Forwarded newsletter</p><img src="{T1}" width="1" height="1">'))
b = "==golden-mixed=="
cases["trap-rfc822-attachment"] = msg([f"Content-Type: multipart/mixed; boundary=\"{b}\""], "\r\n" + "\r\n".join([
    f"--{b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + crlf(html_doc(f'<p>See attached.</p><img src="{T2}" width="1" height="1">')),
    f"--{b}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\nFrom: a@example.net\r\nTo: b@example.net\r\nSubject: inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + att,
    f"--{b}\r\nContent-Type: application/pdf; name=\"x.pdf\"\r\nContent-Disposition: attachment; filename=\"x.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcjw8\r\nL1Jvb3QgMSAwIFI+Pgo=\r\n",
]) + f"\r\n--{b}--\r\n")

# ---- declarations and consent -----------------------------------------------------------------------
mixed = html_doc(f'<img src="{T1}" width="1" height="1" data-tracking-purpose="open_measurement personalization">\n<td style="background-image:url({T3})" Data-Tracking-Purpose="frequency_adaptation">x</td>\n<img src="{T2}" width="1" height="1">\n<img src="{T5}" width="1" height="1" data-tracking-purpose="open_measurement ad_retargeting">')
cases["declared-attribute-consented"] = alternative("Hello\n", mixed, extra_headers=["Tracking-Campaign: nov"])
args["declared-attribute-consented"] = "consent=open_measurement,personalization,frequency_adaptation"
cases["declared-attribute-no-consent"] = cases["declared-attribute-consented"]
args["declared-attribute-no-consent"] = "consent=none"
cases["declared-header-partial-consent"] = alternative("Hello\n", html_doc(f'<img src="{T1}" width="1" height="1">\n<img src="{T4}" width="1" height="1" data-tracking-purpose="cross_channel">'), extra_headers=["Tracking-Purposes:  open_measurement ,Fraud_Detection"])
args["declared-header-partial-consent"] = "consent=open_measurement,fraud_detection"
cases["declared-auth-exempt"] = alternative("Reset your password.\n", html_doc(f'<p>Reset</p><img src="{T2}" width="1" height="1" data-tracking-purpose="authentication_security">\n<img src="{T1}" width="1" height="1">'))
args["declared-auth-exempt"] = "consent=none"
anon = "https://stats.example-shop.test/c/nov-digest/00000000-0000-0000-0000-000000000000.gif"
cases["declared-anon-verified"] = single_html(f'<img src="{anon}" width="1" height="1" data-tracking-purpose="anonymous_statistics">', extra_headers=["Tracking-Campaign: nov-digest"])
cases["declared-anon-urlencoded-address"] = single_html(f'<img src="https://stats.example-shop.test/c/nov?r=ana.lima%40example.org" width="1" height="1" data-tracking-purpose="anonymous_statistics">', extra_headers=["Tracking-Campaign: nov-digest"])
import hashlib
sha = hashlib.sha256(RCPT.encode()).hexdigest()
md5 = hashlib.md5(RCPT.encode()).hexdigest()
b64a = base64.b64encode(RCPT.encode()).decode().rstrip("=")
cases["declared-anon-hashed-address"] = single_html(f'<img src="https://stats.example-shop.test/c/{sha}.gif" width="1" height="1" data-tracking-purpose="anonymous_statistics">\n<img src="https://stats.example-shop.test/m/{md5}.gif" width="1" height="1" data-tracking-purpose="anonymous_statistics">\n<img src="https://stats.example-shop.test/b/{b64a}.gif" width="1" height="1" data-tracking-purpose="anonymous_statistics">', extra_headers=["Tracking-Campaign: nov-digest"])
cases["declared-anon-no-campaign"] = single_html(f'<img src="{anon}" width="1" height="1" data-tracking-purpose="anonymous_statistics">')
cases["declared-ask-footer"] = alternative("Hello\n", html_doc(f'<img src="{T1}" width="1" height="1" data-tracking-purpose="open_measurement">'))
args["declared-ask-footer"] = "consent=none\nask=true\nlanguage=en"
cases["declared-rule"] = single_html(f'<img src="https://pixel.example-own.test/p/welcome.gif?c=7" width="1" height="1">', extra_headers=[])
args["declared-rule"] = "consent=personalization\nrule=pixel.example-own.test /p/* personalization"
cases["nothing-to-change"] = alternative("Just text.\n", html_doc(f'<p>Hi</p><img src="{LOGO}" width="120" height="40"><a href="{CLICK}">click</a>'))


# ---- more traps: bare LF files, downlevel-revealed comments, multipart/related with cid ------------
lf = alternative("Hello Ana\n", html_doc(f'<p>Hello</p><img src="{T1}" width="1" height="1" data-tracking-purpose="open_measurement">'))
cases["encoding-bare-lf"] = lf.replace("\r\n", "\n")
args["encoding-bare-lf"] = "consent=open_measurement\nlanguage=en"
cases["trap-downlevel-revealed"] = single_html(f'<!--[if !mso]><!-->\n<img src="{T3}" width="1" height="1">\n<!--<![endif]-->\n<![if !mso]><img src="{T2}" width="1" height="1"><![endif]>\n<p>Text</p>')
b = "==golden-related=="
cases["trap-related-cid"] = msg([f"Content-Type: multipart/related; boundary=\"{b}\"; type=\"text/html\""], "\r\n" + "\r\n".join([
    f"--{b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + crlf(html_doc(f'<img src="cid:logo@x" width="120" height="40"><p>Hi</p><img src="{T5}" width="1" height="1">')),
    f"--{b}\r\nContent-Type: image/gif\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\nR0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==\r\n",
]) + f"\r\n--{b}--\r\n")

for name, text in cases.items():
    with open(name + ".in", "wb") as f:
        f.write(text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode("utf-8"))
    a = f"recipient={RCPT}\n" + (args.get(name, "consent=none")) + "\n"
    with open(name + ".args", "w") as f:
        f.write(a)
print(len(cases), "cases")
