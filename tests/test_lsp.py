"""`journeyc lsp` end to end: a real client (pytest-lsp) starts the server over stdio on a copy of the demo project
and types, hovers, jumps, completes, formats, renames and fixes, as an editor does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO
from lsp_client import CART, Editor, apply, client_fixture, codes, demo_project
from lsprotocol import types
from pytest_lsp import LanguageClient

# The language server end to end, a process per test (its parts are tested fast in test_lsp_parts.py).
pytestmark = pytest.mark.slow

client = client_fixture()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return demo_project(tmp_path)


@pytest.mark.asyncio
async def test_a_mistake_typed_is_reported_and_its_quick_fix_repairs_it(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    assert codes(await editor.diagnostics(lambda found: True)) == []
    editor.replace("send email cart_reminder", "send email cart_remindr")
    [problem] = await editor.diagnostics(lambda found: "J105" in codes(found))
    assert problem.message.startswith('unknown message "cart_remindr"')
    assert 'help: did you mean "cart_reminder"?' in problem.message
    assert problem.range == types.Range(start=editor.at("cart_remindr"), end=editor.at("cart_remindr", 12))
    assert problem.severity == types.DiagnosticSeverity.Error and problem.source == "journeyc"

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=editor.document, range=problem.range, context=types.CodeActionContext(diagnostics=[problem])
        )
    )
    assert actions is not None and [a.title for a in actions] == ['Change to "cart_reminder"']
    [edit] = actions[0].edit.changes[editor.uri]
    assert apply(editor.text, [edit]).count("send email cart_reminder\n") == 1
    editor.replace("cart_remindr", edit.new_text)
    assert codes(await editor.diagnostics(lambda found: "J105" not in codes(found))) == []


@pytest.mark.asyncio
async def test_a_misspelled_event_gets_its_fix_inside_the_quotes(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    editor.replace('trigger "Checkout Started"', 'trigger "Checkout Startd"')
    [problem] = await editor.diagnostics(lambda found: "J102" in codes(found))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=editor.document, range=problem.range, context=types.CodeActionContext(diagnostics=[problem])
        )
    )
    assert actions is not None
    [edit] = actions[0].edit.changes[editor.uri]
    assert 'trigger "Checkout Started" keyed by order_id' in apply(editor.text, [edit])


@pytest.mark.asyncio
async def test_a_missing_import_is_added_by_the_quick_fix(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    editor.replace('import "../offers.journey"\n', "")
    problems = await editor.diagnostics(lambda found: "J114" in codes(found))
    problem = next(p for p in problems if p.code == "J114")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=editor.document, range=problem.range, context=types.CodeActionContext(diagnostics=[problem])
        )
    )
    assert actions is not None and actions[0].title == 'Add `import "../offers.journey"`'
    fixed = apply(editor.text, actions[0].edit.changes[editor.uri])
    assert 'import "../tracking/events.journey"\nimport "../offers.journey"\n\nmessage' in fixed


@pytest.mark.asyncio
async def test_a_change_in_one_file_reports_the_problem_it_causes_in_another(client: LanguageClient, project: Path):
    editor = Editor(client, project / "offers.journey")
    editor.open()
    editor.replace("offer CART10 ", "offer CART11 ")
    cart = (project / CART).as_uri()
    found = await editor.diagnostics(lambda found: "J106" in codes(found), uri=cart)
    assert any('unknown offer "CART10"' in d.message for d in found)
    editor.replace("offer CART11 ", "offer CART10 ")
    assert list(await editor.diagnostics(lambda found: not found, uri=cart)) == []


@pytest.mark.asyncio
async def test_a_cross_team_finding_carries_the_other_journey_as_related_information(
    client: LanguageClient, tmp_path: Path
):
    conflicts = tmp_path / "conflicts"
    shutil.copytree(REPO / "examples/conflicts", conflicts)
    editor = Editor(client, conflicts / "product/checkout_nudge.journey")
    editor.open()
    found = await editor.diagnostics(lambda found: "J701" in codes(found))
    offers = next(d for d in found if d.code == "J701")
    assert '"cart_recovery" (growth) and "checkout_nudge" (product)' in offers.message
    other = (conflicts / "growth/cart_recovery.journey").as_uri()
    assert offers.related_information and any(i.location.uri == other for i in offers.related_information)
    # making product's offer the same discount as growth's removes the finding as it is typed
    editor.replace("with offer APP15", "with offer CART10")
    assert "J701" not in codes(await editor.diagnostics(lambda found: "J701" not in codes(found)))


async def hover(client: LanguageClient, editor: Editor, needle: str, inside: int = 1) -> str:
    found = await client.text_document_hover_async(
        types.HoverParams(text_document=editor.document, position=editor.at(needle, inside))
    )
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


@pytest.mark.asyncio
async def test_hover_shows_events_traits_segments_offers_and_messages_rendered(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    event = await hover(client, editor, '"Checkout Started"')
    assert (
        '**event "Checkout Started"**' in event and "| `order_id` | text, optional | Order or transaction id |" in event
    )
    offer = await hover(client, editor, "with offer CART10", len("with offer ") + 1)
    assert "code: `CART10`" in offer and "value: 10% off" in offer and "valid for 7 days" in offer
    message = await hover(client, editor, "cart_discount with offer")
    assert "**message `cart_discount` on sms**" in message
    assert "Use code CART10 for 10% off this week" in message  # rendered with the offer of this send
    assert "https://loomwell.example/c/o-1001" in message  # and a sample trigger event
    channels = Editor(client, project / "company/channels.journey")
    channels.open()
    trait = await hover(client, channels, "consent email_opt_in", len("consent ") + 1)
    assert "**trait `profile.email_opt_in`**: true/false, default false" in trait
    dresses = Editor(client, project / "growth/new_arrivals_dresses.journey")
    dresses.open()
    segment = await hover(client, dresses, "dress_enthusiasts")
    assert '(at least 3 "Product Viewed" in last 30 days where category == "dresses")' in segment


@pytest.mark.asyncio
async def test_definition_and_references_cross_files(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=editor.document, position=editor.at("offer CART10", 8))
    )
    assert isinstance(found, types.Location) and found.uri == (project / "offers.journey").as_uri()
    offers = (project / "offers.journey").read_text(encoding="utf-8").split("\n")
    assert offers[found.range.start.line][found.range.start.character :].startswith('CART10 "Cart rescue"')
    imported = await client.text_document_definition_async(
        types.DefinitionParams(text_document=editor.document, position=editor.at('import "../offers.journey"', 3))
    )
    assert isinstance(imported, types.Location) and imported.uri == (project / "offers.journey").as_uri()

    uses = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=editor.document,
            position=editor.at('"Order Completed"', 2),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert uses is not None
    files = {Path(u.uri).name for u in [types.Location(uri=x.uri.removeprefix("file://"), range=x.range) for x in uses]}
    assert {"ecommerce.journey", "cart_recovery.journey", "segments.journey", "winback.journey"} <= files


@pytest.mark.asyncio
async def test_completion_offers_what_fits_where_the_cursor_is(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()

    async def labels(after: str, typed: str) -> list[str]:
        editor.replace(after, after + typed)
        offset = editor.text.index(after + typed) + len(after + typed)
        found = await client.text_document_completion_async(
            types.CompletionParams(text_document=editor.document, position=editor.position(offset))
        )
        editor.replace(after + typed, after)
        assert isinstance(found, types.CompletionList)
        return [item.label for item in found.items]

    assert {"cart_reminder", "cart_discount", "email", "sms"} <= set(await labels("  wait 1 hour\n", "  send "))
    assert set(await labels("  wait 1 hour\n", "  send sms ")) == {"cart_discount", "otp", "shipped"}
    assert set(await labels("  wait 1 hour\n", "  send sms cart_discount with offer ")) == {
        "CART10", "COMEBACK15", "WELCOME10"}  # fmt: skip
    assert {"first_name", "email_opt_in", "tier"} <= set(await labels("  wait 1 hour\n", "  if profile."))
    assert {"order_id", "value", "products"} <= set(await labels("  wait 1 hour\n", "  if trigger."))
    assert "Order Completed" in await labels("  wait 1 hour\n", '  exit on "Ord')
    assert {"dress_enthusiasts", "lapsed_customers"} == set(await labels("  wait 1 hour\n", "  if in segment "))
    assert {"send", "wait", "if", "goal", "owner"} <= set(await labels("  wait 1 hour\n", "  "))


@pytest.mark.asyncio
async def test_completion_of_an_event_name_replaces_what_was_typed_inside_the_quotes(client, project):
    editor = Editor(client, project / CART)
    editor.open()
    editor.replace("  wait 1 hour\n", '  wait 1 hour\n  wait up to 1 day for "Order Refu\n')
    offset = editor.text.index('"Order Refu') + len('"Order Refu')
    found = await client.text_document_completion_async(
        types.CompletionParams(text_document=editor.document, position=editor.position(offset))
    )
    item = next(i for i in found.items if i.label == "Order Refunded")
    assert apply(editor.text, [item.text_edit]).count('wait up to 1 day for "Order Refunded"\n') == 1


@pytest.mark.asyncio
async def test_the_outline_lists_declarations_and_a_journeys_steps(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=editor.document))
    assert [s.name for s in found] == ["cart_reminder", "cart_discount", "cart_nudge", "cart_recovery"]
    journey = found[-1]
    assert [s.name for s in journey.children] == [
        "wait 1 hour", "send email cart_reminder", "wait 1 day", "if trigger.value >= 100"]  # fmt: skip
    assert [s.name for s in journey.children[-1].children] == [
        "send sms cart_discount with offer CART10", "send push cart_nudge"]  # fmt: skip


@pytest.mark.asyncio
async def test_formatting_gives_the_layout_of_journeyc_fmt(client: LanguageClient, project: Path):
    from journeyc.fmt import format_source

    editor = Editor(client, project / CART)
    editor.open()
    editor.replace("  wait 1 hour\n  send email cart_reminder\n", "wait   1 hour\n      send email cart_reminder\n")
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=editor.document, options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits is not None
    formatted = apply(editor.text, edits)
    assert formatted == format_source(editor.text, CART).text
    assert "\n  wait 1 hour\n  send email cart_reminder\n" in formatted


@pytest.mark.asyncio
async def test_rename_a_message_everywhere_it_is_written_tests_included(client: LanguageClient, project: Path):
    editor = Editor(client, project / CART)
    editor.open()
    position = editor.at("send email cart_reminder", len("send email ") + 2)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=editor.document, position=position)
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder) and prepared.placeholder == "cart_reminder"
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=editor.document, position=position, new_name="first_reminder")
    )
    assert edit is not None and edit.changes is not None
    test_file = project / "tests/cart_recovery.test.toml"
    other_test = project / "tests/cart_recovery_without_first_name.test.toml"
    assert set(edit.changes) == {editor.uri, test_file.as_uri(), other_test.as_uri()}
    for uri, edits in edit.changes.items():
        path = Path(uri.removeprefix("file://"))
        path.write_text(apply(path.read_text(encoding="utf-8"), edits), encoding="utf-8")
    renamed = (project / CART).read_text(encoding="utf-8")
    assert "message first_reminder on email {" in renamed and "send email first_reminder\n" in renamed
    assert 'message = "first_reminder"' in test_file.read_text(encoding="utf-8")

    from conftest import invoke_cleanly

    assert invoke_cleanly("test", str(project)).exit_code == 0  # the journey tests still pass


@pytest.mark.asyncio
async def test_a_rename_to_a_name_in_use_or_a_keyword_is_refused(client: LanguageClient, project: Path):
    from pygls.exceptions import JsonRpcException

    editor = Editor(client, project / CART)
    editor.open()
    position = editor.at("send email cart_reminder", len("send email ") + 2)
    for name, why in (("cart_nudge", "already exists"), ("journey", "keyword"), ("2fast", "is not a name")):
        with pytest.raises(JsonRpcException, match=why):
            await client.text_document_rename_async(
                types.RenameParams(text_document=editor.document, position=position, new_name=name)
            )
    events = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=editor.document, position=editor.at('"Checkout Started"', 2))
    )
    assert events is None  # events are the tracking plan's names: not renamed here
