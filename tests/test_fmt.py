"""`journeyc fmt`: the canonical layout of each construct, comments kept, syntax errors left alone."""

from __future__ import annotations

import textwrap

import pytest

from journeyc.fmt import format_source, meaning
from journeyc.syntax.parser import parse_source


def fmt(text: str) -> str:
    """The formatted text of `text` (dedented), which must parse."""
    result = format_source(textwrap.dedent(text).lstrip("\n"), "t.journey")
    assert result.text is not None, result.problems
    return result.text


def same(text: str) -> None:
    """`text` is already in the canonical layout (sqlglot's validate_identity)."""
    text = textwrap.dedent(text).lstrip("\n")
    assert fmt(text) == text


def test_a_declaration_per_line_with_its_block_indented_two_spaces():
    assert fmt('offer CART10 "Cart rescue" { code "CART10" value 10% off valid for 7 days }') == (
        'offer CART10 "Cart rescue" {\n  code "CART10"\n  value 10% off\n  valid for 7 days\n}\n'
    )


def test_spaces_between_words_none_before_commas_dots_closing_parentheses_and_percent_signs():
    text = """
        journey j {
          owner   growth
          trigger "Checkout Started"   where ( value>0 and trigger . x ) keyed   by order_id
          experiment e { holdout 10 % arm a 90 % { exit } }
        }
        policy { priority a ,b,   c }
    """
    assert fmt(text) == textwrap.dedent("""\
        journey j {
          owner growth
          trigger "Checkout Started" where (value > 0 and trigger.x) keyed by order_id
          experiment e {
            holdout 10%
            arm a 90% {
              exit
            }
          }
        }
        policy {
          priority a, b, c
        }
        """)


def test_tokens_are_kept_as_written():
    # `percent` and `%`, `split` and `experiment`, `none` and `no`, escapes and quotes: only spaces change
    same("""
        offer A {
          value 10 percent off
        }
        journey j {
          audience none "X" in last 3 days and profile.name == "a \\"b\\"\\n"
          split s {
            arm a 100% {
              wait day
            }
          }
        }
    """)


def test_else_and_otherwise_stay_on_the_closing_brace_line():
    text = """
        journey j {
        if a { exit }
        else if b { exit } else { }
        wait up to 2 days for "X" then { exit }
        otherwise { exit }
        }
    """
    assert fmt(text) == textwrap.dedent("""\
        journey j {
          if a {
            exit
          } else if b {
            exit
          } else {}
          wait up to 2 days for "X" then {
            exit
          } otherwise {
            exit
          }
        }
        """)


def test_property_names_line_up_within_a_run_of_properties():
    text = """
        event "E" {
          description "d"
          id string
          a_long_name number optional "what it is"
          # a comment line does not end the run
          x boolean

          after_a_gap string
          nested { inner string } optional
          y string
        }
    """
    assert fmt(text) == textwrap.dedent("""\
        event "E" {
          description "d"
          id          string
          a_long_name number optional "what it is"
          # a comment line does not end the run
          x           boolean

          after_a_gap string
          nested {
            inner string
          } optional
          y string
        }
        """)


def test_one_empty_line_kept_where_there_were_any_none_at_the_start_or_end_of_a_block():
    text = "\n\nteam a\n\n\n\nteam b\njourney j {\n\n\n  owner a\n\n\n  wait 1 day\n\n}\n\n\n"
    assert fmt(text) == "team a\n\nteam b\njourney j {\n  owner a\n\n  wait 1 day\n}\n"


def test_comments_stay_where_they_were():
    text = """
        # the file's header

        import ecommerce # why we import it
        journey j { # after the brace
        # before the owner
          owner growth
          trigger "Checkout Started" where value > 0 # about the filter
          # at the end of the block

        }
        # at the end of the file
    """
    assert fmt(text) == textwrap.dedent("""\
        # the file's header

        import ecommerce  # why we import it
        journey j {  # after the brace
          # before the owner
          owner growth
          trigger "Checkout Started" where value > 0  # about the filter
          # at the end of the block
        }
        # at the end of the file
        """)


def test_a_comment_inside_a_statement_keeps_what_follows_it_on_the_next_line():
    text = 'journey j {\n  trigger "X" where # which ones\n  a > 1 and # and\n b < 2 keyed by k\n}\n'
    out = fmt(text)
    assert out == (
        'journey j {\n  trigger "X" where  # which ones\n      a > 1\n      and  # and\n      b < 2 keyed by k\n}\n'
    )
    assert meaning(parse_source(out, "t.journey")[0]) == meaning(parse_source(text, "t.journey")[0])


def test_a_long_condition_breaks_before_its_and_and_or():
    wide = " and ".join(f'profile.trait_{n} == "value number {n}"' for n in range(5))
    out = fmt(f"journey j {{\n  if {wide} {{\n    exit\n  }}\n}}\n")
    assert out == (
        "journey j {\n"
        '  if profile.trait_0 == "value number 0"\n'
        '      and profile.trait_1 == "value number 1"\n'
        '      and profile.trait_2 == "value number 2"\n'
        '      and profile.trait_3 == "value number 3"\n'
        '      and profile.trait_4 == "value number 4" {\n'
        "    exit\n"
        "  }\n"
        "}\n"
    )


def test_a_segment_condition_breaks_at_its_own_indentation_and_a_nested_one_deeper():
    inner = " or ".join(f'last category of "Product Viewed" == "category {n}"' for n in range(3))
    text = f'segment s {{\n  ({inner}) and any "Order Completed" in last 30 days and profile.tier == "gold"\n}}\n'
    assert fmt(text) == (
        "segment s {\n"
        '  (last category of "Product Viewed" == "category 0"\n'
        '      or last category of "Product Viewed" == "category 1"\n'
        '      or last category of "Product Viewed" == "category 2")\n'
        '  and any "Order Completed" in last 30 days\n'
        '  and profile.tier == "gold"\n'
        "}\n"
    )


def test_a_condition_that_fits_stays_on_one_line_whatever_its_input_layout():
    assert fmt("segment s {\n  a\n  and b\n  or c\n}\n") == "segment s {\n  a and b or c\n}\n"


def test_long_texts_and_their_line_breaks_are_untouched():
    same('''
        message m on email {
          subject "s"
          text """Hello,
           indented   as written
        bye"""
        }
    ''')


def test_line_ends_become_newlines_and_the_file_ends_with_one():
    assert fmt("team a\r\nteam b") == "team a\nteam b\n"
    assert format_source("", "t.journey").text == ""
    assert format_source("# only a comment", "t.journey").text == "# only a comment\n"


@pytest.mark.parametrize(
    "text",
    [
        "journey j {\n  owner\n}\n",  # a setting without its value
        'journey j {\n  send email "x\n}\n',  # a text never closed
        "journey j {\n  owner growth\n",  # the file ends inside the journey
        'team a "\u202e"\n',  # a text-direction character (J007)
    ],
)
def test_a_file_with_syntax_errors_is_left_as_it_is_with_the_errors(text):
    result = format_source(text, "t.journey")
    assert result.text is None and not result.changed
    assert result.problems and all(d.code.startswith("J0") for d in result.problems)


def test_an_error_that_is_not_a_syntax_error_does_not_stop_the_layout():
    # J310 (a duration in a fraction of its unit) is reported by the check: the layout is still the canonical one
    result = format_source("journey j {\n    wait 1.5 days\n}\n", "t.journey")
    assert result.text == "journey j {\n  wait 1.5 days\n}\n"


def test_meaning_ignores_positions_but_not_values():
    def read(text: str):
        return meaning(parse_source(text, "t.journey")[0])

    assert read("journey j {\n  wait 1 day\n}\n") == read("\n\njourney   j {  wait 1 day }")
    assert read("journey j {\n  wait 1 day\n}\n") != read("journey j {\n  wait 2 days\n}\n")
    assert read('message m on sms {\n  text "a"\n}\n') != read('message m on sms {\n  text "b"\n}\n')
