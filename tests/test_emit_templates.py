"""Channel templates (journeyc/emit/templates.py): one folder per channel, MJML compiled, Jinja2 left intact."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, check, write_project
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from journeyc import ir
from journeyc.emit.templates import HTML_AUTOESCAPE_NOTE, channel_templates, jinja_spans, template_problems
from journeyc.runtime.render import HTML, TEXT, message_sandboxes

JOURNEYS = REPO / "journeys"
FIRST_NAME = '{{ profile.first_name | default("there") }}'


def reader(root: Path):
    def read(path: str) -> str | None:
        target = root / path
        try:
            return target.read_text(encoding="utf-8") if target.is_file() else None
        except OSError:
            return None

    return read


@pytest.fixture(scope="module")
def demo() -> tuple[ir.Project, dict[str, bytes]]:
    result = check(JOURNEYS)
    assert result.errors == 0
    read = reader(result.files.root)
    assert template_problems(result.project, read) == []
    return result.project, channel_templates(result.project, read)


def rendered(files: dict[str, bytes], path: str, values: dict) -> str:
    """A template file as the runtime renders it (journeyc/runtime/render.py): autoescaped when it is .html."""
    env = message_sandboxes()[HTML if path.endswith(".html") else TEXT]
    return env.render_template(env.compile_template(files[path].decode("utf-8")), values)


# --- the demo ---------------------------------------------------------------------------------------------------

FILES_OF_FIELDS = {
    "email": {"subject": ".subject.txt", "preheader": ".preheader.txt", "html": ".html", "text": ".txt"},
    "sms": {"text": ".txt"},
    "push": {"title": ".json", "body": ".json", "link": ".json", "image": ".json"},
}


def test_every_demo_message_gets_its_files(demo):
    project, files = demo
    expected = set()
    for message in project.messages.values():
        kind = project.channels[message.channel.name].kind.name
        for item in message.fields:
            expected.add(f"templates/{message.channel.name}/{message.name}{FILES_OF_FIELDS[kind][item.name]}")
    assert len(project.messages) == 14
    assert set(files) == expected
    assert list(files) == sorted(files)


def test_text_fields_are_written_as_they_are_with_one_final_newline(demo):
    project, files = demo
    for message in project.messages.values():
        for item in message.fields:
            if item.name in ("subject", "preheader", "text") and item.text is not None:
                suffix = ".txt" if item.name == "text" else f".{item.name}.txt"
                body = files[f"templates/{message.channel.name}/{message.name}{suffix}"]
                assert body == item.text.encode("utf-8") + b"\n"


def test_push_messages_are_json_with_every_push_field(demo):
    _, files = demo
    body = files["templates/push/cart_nudge.json"]
    assert body.endswith(b"}\n")
    assert json.loads(body) == {
        "title": "Your cart is waiting",
        "body": '{{ profile.first_name | default("Hi") }}, the pieces you picked are still in your cart. '
        "Finish checking out before they sell out.",
        "link": "loomwell://checkout/{{ trigger.order_id }}",
        "image": None,
    }


def test_the_email_html_is_html_with_the_copy_and_every_jinja_placeholder_intact(demo):
    project, files = demo
    emails = [m for m in project.messages.values() if project.channels[m.channel.name].kind.name == "email"]
    assert len(emails) == 8
    for message in emails:
        html = files[f"templates/email/{message.name}.html"].decode("utf-8")
        [mjml_file] = [item.file for item in message.fields if item.name == "html"]
        source = (JOURNEYS / Path(message.span.file).parent / mjml_file).read_text(encoding="utf-8")
        assert html.startswith("<!doctype html><html")
        assert html.endswith("</html>\n") and not html.endswith("\n\n")
        assert "<mj-" not in html and "</mjml>" not in html
        assert "Loomwell Inc., 500 Example Avenue" in html
        spans = [source[s.start : s.end] for s in jinja_spans(source)]
        for span in spans:
            assert span in html, f"{message.name}: {span} lost"
    welcome = files["templates/email/welcome.html"].decode("utf-8")
    assert f">Welcome, {FIRST_NAME}</div>" in welcome
    assert "Thanks for joining Loomwell." in welcome
    cart = files["templates/email/cart_reminder.html"].decode("utf-8")
    assert 'href="https://www.loomwell.example/checkout?order={{ trigger.order_id }}"' in cart
    assert "{% if trigger.products %}" in cart and "{% endif %}" in cart


def test_the_runtime_renders_the_demo_escaping_html_only(demo):
    _, files = demo
    context = {
        "profile": {"first_name": 'Ann <b>"&"</b>'},
        "trigger": {"order_id": "A-1", "products": [{"name": "Linen shirt", "variant": "M"}]},
        "offer": {"code": "CART10"},
    }
    html = rendered(files, "templates/email/cart_reminder.html", context)
    assert "Hi Ann &lt;b&gt;&#34;&amp;&#34;&lt;/b&gt;, you started" in html
    assert "&bull; Linen shirt (M)<br />" in html
    assert 'href="https://www.loomwell.example/checkout?order=A-1"' in html
    text = rendered(files, "templates/email/cart_reminder.txt", context)
    assert text.startswith('Hi Ann <b>"&"</b>,')
    assert "autoescapes only .html" in HTML_AUTOESCAPE_NOTE


class HtmlFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.BINARY
    file_extension = "html"


class TextFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.BINARY
    file_extension = "txt"


class JsonFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.BINARY
    file_extension = "json"


SNAPSHOTS = [
    "templates/email/cart_reminder.html",
    "templates/email/cart_reminder.txt",
    "templates/email/welcome.subject.txt",
    "templates/push/cart_nudge.json",
    "templates/sms/shipped.txt",
]


@pytest.mark.parametrize("path", SNAPSHOTS, ids=[p.removeprefix("templates/").replace("/", "-") for p in SNAPSHOTS])
def test_the_demo_templates(demo, snapshot, path):
    """Single-file snapshots (tests/__snapshots__/test_emit_templates/...), byte for byte: open them to review."""
    extension = {"html": HtmlFile, "txt": TextFile, "json": JsonFile}[path.rsplit(".", 1)[1]]
    assert demo[1][path] == snapshot.use_extension(extension)


DIGEST_SCRIPT = """
import hashlib, json, sys
from pathlib import Path
from journeyc.emit.templates import channel_templates
from journeyc.load import find_project
from journeyc.pipeline import check_project
result = check_project(find_project(sys.argv[1]))
root = result.files.root
files = channel_templates(result.project, lambda p: (root / p).read_text() if (root / p).is_file() else None)
print(json.dumps({path: hashlib.sha256(body).hexdigest() for path, body in files.items()}))
"""


@pytest.mark.slow
def test_the_same_project_gives_the_same_bytes_in_any_process(demo, tmp_path):
    digests = []
    for seed, cwd in (("1", tmp_path), ("2", REPO)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        process = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT, str(JOURNEYS)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=300,
            check=True,
        )
        digests.append(json.loads(process.stdout))
    assert digests[0] == digests[1]
    assert digests[0] == {path: hashlib.sha256(body).hexdigest() for path, body in demo[1].items()}


# --- messages made directly, to reach every kind and every awkward text ------------------------------------------

SPAN = ir.Span(file="growth/m.journey", line=1, column=1, end_line=1, end_column=2)
KINDS = ("email", "sms", "push", "in_app", "whatsapp", "webhook")


def ref(name: str) -> ir.Name:
    return ir.Name(name=name, span=SPAN)


def field(name: str, text: str | None = None, file: str | None = None) -> ir.MessageField:
    return ir.MessageField(
        name=name, text=text, file=file, span=SPAN, value_span=SPAN, value_line=1, value_column=1, raw=True
    )


def message(name: str, channel: str, *fields: ir.MessageField) -> ir.Message:
    return ir.Message(name=name, channel=ref(channel), fields=fields, span=SPAN)


def project(*messages: ir.Message) -> ir.Project:
    return ir.Project(
        channels={kind: ir.Channel(name=kind, kind=ref(kind), span=SPAN) for kind in KINDS},
        messages={m.name: m for m in messages},
    )


def no_files(path: str) -> str | None:
    return None


HOSTILE = [
    "double \"quotes\" and 'single'",
    'triple """ quotes """ and \\"escaped\\"',
    "back\\slashes \\n \\u0041 \\\\ C:\\path\\",
    "lines\nand\r\nreturns\rand\ttabs",
    "{{ profile.first_name }} {% if x %}{{ '}}' }}{% endif %} {# note #} {{",
    "</script><script>alert(1)</script> <!-- --> ]]> &amp; &#x27;",
    "unicode: é ü ß 漢字 עברית \u200f \u200d \u00a0 \ufeff",
    "emoji: 👋🏽 🇫🇷 👩‍👩‍👧",
    "nul \x00 and bell \x07",
    "",
    "   leading and trailing spaces   ",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_texts_survive_byte_for_byte(text):
    messages = [
        message("e", "email", field("subject", text), field("preheader", text), field("text", text)),
        message("s", "sms", field("text", text)),
        message("p", "push", field("title", text), field("body", text), field("link", text), field("image", text)),
        message("i", "in_app", *(field(f, text) for f in ("title", "body", "button", "link", "image"))),
        message("w", "whatsapp", field("template", text), field("language", text), *[field("parameter", text)] * 2),
        message("h", "webhook", field("url", text), field("method", text), field("body", text)),
    ]
    files = channel_templates(project(*messages), no_files)
    exact = text.encode("utf-8") + b"\n"
    for path in ("email/e.subject.txt", "email/e.preheader.txt", "email/e.txt", "sms/s.txt"):
        assert files[f"templates/{path}"] == exact
    for path, keys in (
        ("push/p.json", ("title", "body", "link", "image")),
        ("in_app/i.json", ("title", "body", "button", "link", "image")),
        ("whatsapp/w.json", ("template", "language")),
        ("webhook/h.json", ("url", "method", "body")),
    ):
        body = files[f"templates/{path}"]
        assert body == (json.dumps(json.loads(body), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
        data = json.loads(body.decode("utf-8"))
        assert {key: data[key] for key in keys} == dict.fromkeys(keys, text)
    assert json.loads(files["templates/whatsapp/w.json"])["parameters"] == [text, text]


def test_a_text_ending_in_newlines_ends_in_exactly_one():
    files = channel_templates(project(message("s", "sms", field("text", "Hi\n\n\n"))), no_files)
    assert files == {"templates/sms/s.txt": b"Hi\n"}


def test_json_files_hold_every_key_of_their_kind_null_when_left_out():
    messages = [
        message("p", "push", field("title", "T"), field("body", "B")),
        message("i", "in_app", field("body", "B")),
        message("w", "whatsapp", field("template", "order_update")),
        message("h", "webhook", field("url", "https://hooks.example/{{ trigger.order_id }}")),
    ]
    files = channel_templates(project(*messages), no_files)
    assert json.loads(files["templates/push/p.json"]) == {"title": "T", "body": "B", "link": None, "image": None}
    assert json.loads(files["templates/in_app/i.json"]) == dict.fromkeys(("title", "button", "link", "image")) | {
        "body": "B"
    }
    assert json.loads(files["templates/whatsapp/w.json"]) == {
        "template": "order_update",
        "language": None,
        "parameters": [],
    }
    assert json.loads(files["templates/webhook/h.json"]) == {
        "url": "https://hooks.example/{{ trigger.order_id }}",
        "method": None,
        "body": None,
    }


def test_non_ascii_names_are_kept_and_names_that_could_leave_the_folder_are_refused():
    files = channel_templates(project(message("café_été", "sms", field("text", "x"))), no_files)
    assert list(files) == ["templates/sms/café_été.txt"]
    for bad in ("../x", "a/b", "..", "a.b", ""):
        with pytest.raises(ValueError, match="cannot be part of an output path"):
            channel_templates(project(message(bad, "sms", field("text", "x"))), no_files)
    channel = ir.Channel(name="../up", kind=ref("sms"), span=SPAN)
    hostile = ir.Project(channels={"../up": channel}, messages={"m": message("m", "../up", field("text", "x"))})
    with pytest.raises(ValueError):
        channel_templates(hostile, no_files)


MJML_WITH_JINJA = f"""<mjml>
  <mj-head><mj-title>Hello {FIRST_NAME}</mj-title></mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hi {FIRST_NAME}, {{% if trigger.value > 100 and trigger.value < 500 %}}big{{% endif %}} &amp; more</mj-text>
        <mj-button href="https://shop.example/?name={FIRST_NAME}&amp;x=1">Shop</mj-button>
        <mj-text><a href="https://shop.example/{{{{ trigger.order_id }}}}?n={FIRST_NAME}">track</a></mj-text>
      </mj-column>
    </mj-section>
    {{% for item in trigger.products %}}
    <mj-section><mj-column><mj-text>{{{{ item.name | default('<none>') }}}}</mj-text></mj-column></mj-section>
    {{% endfor %}}
  </mj-body>
</mjml>
"""


def html_of(source: str) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    p = project(message("m", "email", field("subject", "S"), field("html", source)))
    return channel_templates(p, no_files), template_problems(p, no_files)


def test_jinja_in_mjml_text_and_attributes_survives_compilation():
    """mrml alone rejects this document (quotes and `<` inside Jinja); placeholders carry it through."""
    files, problems = html_of(MJML_WITH_JINJA)
    assert problems == []
    html = files["templates/email/m.html"].decode("utf-8")
    assert f"<title>Hello {FIRST_NAME}</title>" in html
    assert f"Hi {FIRST_NAME}, {{% if trigger.value > 100 and trigger.value < 500 %}}big{{% endif %}} &amp; more" in html
    assert f'href="https://shop.example/?name={FIRST_NAME}&amp;x=1"' in html
    assert f'<a href="https://shop.example/{{{{ trigger.order_id }}}}?n={FIRST_NAME}">track</a>' in html
    assert html.count("{% for item in trigger.products %}") == 1 and html.count("{% endfor %}") == 1
    assert "{{ item.name | default('<none>') }}" in html
    assert not re.search(r"jinja[0-9a-f]{12}n\d+x", html)  # no placeholder left behind
    values = {
        "profile": {"first_name": "Zoë"},
        "trigger": {"value": 200, "order_id": "A1", "products": [{"name": "Tee"}]},
    }
    shown = rendered(files, "templates/email/m.html", values)
    assert "Hi Zoë, big &amp; more" in shown and 'href="https://shop.example/?name=Zoë&amp;x=1"' in shown
    assert ">Tee</div>" in shown


def test_mjml_fragments_are_made_documents_and_other_html_is_kept():
    files, problems = html_of(f'<mj-text font-size="20px">Hi {FIRST_NAME}</mj-text>')
    assert problems == []
    html = files["templates/email/m.html"].decode("utf-8")
    assert html.startswith("<!doctype html>") and f"Hi {FIRST_NAME}</div>" in html and "font-size:20px" in html
    files, problems = html_of(
        "{% if x %}<mj-section><mj-column><mj-text>a</mj-text></mj-column></mj-section>{% endif %}"
    )
    assert problems == [] and "{% if x %}" in files["templates/email/m.html"].decode()
    plain = f"<html><body><p>Hi {FIRST_NAME} <script>{{{{ x }}}}</script></p></body></html>\n\n"
    files, problems = html_of(plain)
    assert problems == [] and files["templates/email/m.html"] == plain.rstrip("\n").encode() + b"\n"


def test_mjml_output_is_the_same_twice():
    assert html_of(MJML_WITH_JINJA) == html_of(MJML_WITH_JINJA)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<mjml><mj-body><mj-section><mj-column><mj-text>a</mj-column></mj-section></mj-body></mjml>", "not compile"),
        ("<mjml>\n<mj-bodyy>\n</mj-bodyy></mjml>", "not compile (unexpected element, near line 2)"),
        ('<mjml><mj-body><mj-include path="../../etc/passwd" /></mj-body></mjml>', "mj-include is not supported"),
        ("<mjml><mj-body>{{ x", "is not closed (line 1)"),
        ('<mjml><mj-body><mj-section><mj-column width="{{ w }}"><mj-text>a</mj-text></mj-column>'
         "</mj-section></mj-body></mjml>", "the MJML compiler dropped {{ w }}"),
        ("<mjml><mj-head>{% if x %}<mj-title>a</mj-title>{% endif %}</mj-head><mj-body></mj-body></mjml>",
         "not compile"),
    ],
)  # fmt: skip
def test_a_broken_mjml_is_left_out_with_a_problem_and_the_rest_is_written(source, reason):
    p = project(
        message("m", "email", field("subject", "S"), field("html", source)), message("s", "sms", field("text", "x"))
    )
    assert sorted(channel_templates(p, no_files)) == ["templates/email/m.subject.txt", "templates/sms/s.txt"]
    [(name, problem)] = template_problems(p, no_files)
    assert name == "m"
    assert reason in problem
    assert problem.startswith("in the inline html, ") and problem.endswith("so templates/email/m.html was not written")


def test_template_files_are_read_relative_to_the_journey_file_and_missing_ones_are_reported():
    mjml = f"<mjml><mj-body><mj-section><mj-column><mj-text>Hi {FIRST_NAME}</mj-text></mj-column></mj-section></mj-body></mjml>"
    asked: list[str] = []

    def read(path: str) -> str | None:
        asked.append(path)
        return {"templates/ok.mjml": mjml, "templates/crlf.mjml": mjml.replace(">", ">\r\n")}.get(path)

    p = project(
        message("ok", "email", field("subject", "S"), field("html", file="../templates/ok.mjml")),
        message("crlf", "email", field("subject", "S"), field("html", file="../templates/crlf.mjml")),
        message("gone", "email", field("subject", "S"), field("html", file="../templates/gone.mjml")),
        message("out", "email", field("subject", "S"), field("html", file="../../secret.mjml")),
        message("abs", "sms", field("text", file="/etc/passwd")),
    )
    files = channel_templates(p, read)
    assert "../../secret.mjml" not in str(asked) and "/etc/passwd" not in asked
    assert f"Hi {FIRST_NAME}</div>" in files["templates/email/ok.html"].decode()
    assert (
        files["templates/email/crlf.html"]
        == channel_templates(project(message("crlf", "email", field("html", mjml.replace(">", ">\n")))), no_files)[
            "templates/email/crlf.html"
        ]
    )
    assert b"\r" not in files["templates/email/crlf.html"]
    assert "templates/email/gone.html" not in files and "templates/email/gone.subject.txt" in files
    assert template_problems(p, read) == [
        ("abs", 'the template file "/etc/passwd" of its text field is outside the project, '
                "so templates/sms/abs.txt was not written"),
        ("gone", 'the template file "../templates/gone.mjml" of its html field was not found '
                 "(looked for templates/gone.mjml), so templates/email/gone.html was not written"),
        ("out", 'the template file "../../secret.mjml" of its html field is outside the project, '
                "so templates/email/out.html was not written"),
    ]  # fmt: skip


def test_a_message_on_an_unknown_channel_is_reported_not_raised():
    p = project(message("m", "carrier_pigeon", field("text", "coo")))
    assert channel_templates(p, no_files) == {}
    assert template_problems(p, no_files) == [("m", 'its channel "carrier_pigeon" is not declared with a kind')]


def test_a_parsed_project_with_hostile_texts(tmp_path):
    """Through the real parser and checks: what the .journey file says is what the file holds."""
    text = "Hi {{ profile.first_name }} \\ </script> 'q' \"q\" é 👋🏽\n  second line\t{{ '%}' }}"
    root = write_project(
        tmp_path / "project",
        {
            "journeyc.toml": "",
            "main.journey": textwrap.dedent(
                '''
                team growth
                profile { first_name string optional }
                channel sms { kind sms owner growth }
                channel app { kind push owner growth }
                message wave on sms {
                  text """TEXT"""
                }
                message nudge on app {
                  title "say \\"hi\\" \\\\ now"
                  body """TEXT"""
                }
                '''
            ).replace("TEXT", text),
        },
    )
    result = check(root)
    assert result.errors == 0, result.diagnostics
    files = channel_templates(result.project, reader(root))
    assert files["templates/sms/wave.txt"] == (text + "\n").encode()
    assert json.loads(files["templates/app/nudge.json"]) == {
        "title": 'say "hi" \\ now',
        "body": text,
        "link": None,
        "image": None,
    }


def test_jinja_spans_follow_jinja_lexing():
    text = "a {{ '}}' }} b {% set x = {'k': {'j': 1}} %} c {# {{ #} d {% raw %}{{ x }}{% endraw %} e {{- y -}}"
    spans = [text[s.start : s.end] for s in jinja_spans(text)]
    assert spans == [
        "{{ '}}' }}",
        "{% set x = {'k': {'j': 1}} %}",
        "{# {{ #}",
        "{% raw %}{{ x }}{% endraw %}",
        "{{- y -}}",
    ]
