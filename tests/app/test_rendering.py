"""The one sanitizer: an XSS corpus and a property test (output never executable; idempotent)."""

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plc.rendering import render_markdown, sanitize_html

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "input", "button", "link",
                  "meta", "base", "frame", "frameset", "textarea", "select", "option", "template", "video", "audio"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset"}


class _Auditor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            value = (value or "").strip().lower().replace("\x00", "")
            if name.startswith("on") or name.startswith("hx-") or name.startswith("data-") or name == "style":
                self.problems.append(f"attribute {name}")
            if name in URL_ATTRIBUTES:
                compact = "".join(value.split())
                if compact.startswith(("javascript:", "data:", "vbscript:", "file:")):
                    self.problems.append(f"url {name}={value}")
                if tag == "img" and not compact.startswith("/attachments/"):
                    self.problems.append(f"foreign image {value}")

    handle_startendtag = handle_starttag


def executable_parts(html: str) -> list[str]:
    auditor = _Auditor()
    auditor.feed(html)
    auditor.close()
    return auditor.problems


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=/attachments/1 onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://evil.example/track.png)",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p style=\"color:red\">แดง</p>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<form action=\"https://evil.example\"><button>ส่ง</button></form>",
    "<div hx-get=\"/auth/logout\" hx-trigger=\"load\">x</div>",
    "<a hx-post=\"/people/1/disable\" hx-trigger=\"mouseover\">x</a>",
    "<span data-hx-get=\"/x\">x</span>",
    "<details open ontoggle=alert(1)>x</details>",
    "<body onload=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "<textarea><script>alert(1)</script></textarea>",
    "<!--<script>alert(1)</script>-->",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "<td background=\"javascript:alert(1)\">x</td>",
    "<table><tr><td onmouseover=alert(1)>x</td></tr></table>",
    "<code class=\"x\" onclick=alert(1)>x</code>",
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<a href=\"https://example.org\" target=\"_blank\">ไปที่นี่</a>",
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_corpus_renders_nothing_executable(payload):
    html = render_markdown(payload)
    assert executable_parts(html) == [], html
    assert sanitize_html(html) == html


def test_markdown_features_teachers_use_survive():
    source = """# แผนการจัดการเรียนรู้ที่ 1

## จุดประสงค์การเรียนรู้
1. นักเรียน**อ่านจับใจความ**ได้
2. นักเรียนสรุปเรื่องได้

| ขั้น | กิจกรรม | เวลา |
|---|---|---|
| P | สังเกตปรากฏการณ์ | 10 นาที |

- [สื่อการสอน](https://example.org/media)
- ![ใบงาน](/attachments/12)
"""
    html = render_markdown(source)
    for fragment in ("<h1>แผนการจัดการเรียนรู้ที่ 1</h1>", "<ol>", "<strong>อ่านจับใจความ</strong>", "<table>",
                     "<td>สังเกตปรากฏการณ์</td>", 'rel="noopener noreferrer nofollow"',
                     '<img alt="ใบงาน" src="/attachments/12">'):
        assert fragment in html, fragment


def test_bare_urls_become_safe_links():
    html = render_markdown("ดูที่ https://www.eef.or.th ครับ")
    assert '<a href="https://www.eef.or.th" rel="noopener noreferrer nofollow">' in html


text = st.text(alphabet=st.sampled_from(list("<>\"'=/&;:#() abcjsvtlhrefonxiptmg-ก็่้ไทย[]!*|`\n")), max_size=120)
fragments = st.lists(st.sampled_from([
    "<a href=\"", "javascript:", "JaVaScRiPt:", "data:text/html,", "\" onclick=\"alert(1)\">", "<img src=",
    "/attachments/1", " onerror=alert(1)", "<script>", "</script>", "<svg onload=", "<iframe ", "style=",
    "hx-get=\"/x\"", "[a](", ")", "![b](", "&#106;", "&#x09;", "<", ">", "\"", "'", "เชิงรุก", "\n", "|", "```",
]), max_size=25).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(text, fragments))
def test_property_output_is_never_executable_and_sanitizing_is_idempotent(source):
    html = render_markdown(source)
    assert executable_parts(html) == [], html
    assert sanitize_html(html) == html
    assert sanitize_html(source) == sanitize_html(sanitize_html(source))
