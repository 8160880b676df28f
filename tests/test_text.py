from app.safe_text import plain, safe_name


def test_plain_escapes_markdown_and_html():
    evil = "![x](http://evil.example/p.png) <img src=x onerror=alert(1)> **bold**\n# head"
    out = plain(evil)
    for token in ("![", "](", "**", "\n"):
        assert token not in out
    assert out.count("<") == out.count("\\<")  # every angle bracket escaped: shown, never parsed
    assert "\\!\\[x\\]" in out and "\\<img" in out


def test_plain_bounds_length_and_safe_name():
    assert len(plain("a" * 10_000, limit=50)) == 50
    assert safe_name("../../etc/passwd<script>.safetensors") == ".._.._etc_passwd_script_.safetensors"[:40]
    assert safe_name("") == "file"
