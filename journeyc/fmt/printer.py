"""The canonical layout of a parsed file: its parse tree and comments -> a document (doc.py) -> text.

Every token is printed as written (names, texts, numbers, `%` or `percent`): only the space between tokens is
the printer's. The rules, in docs/editor.md: a declaration or statement per line, two spaces of indentation per
block, `{` at the end of the line that opens it and `}` on its own line (`} else {`, `} otherwise {` on one), one
space between words, none before `,` `.` `)` `%` or after `(` `.`; a condition longer than the line breaks
before its `and` / `or`; the names of consecutive properties are padded so their types line up; at most one
empty line where the author left any, none at the start or end of a block; comments stay where they were.
"""

from __future__ import annotations

from lark import Token, Tree

from journeyc.fmt.comments import Around, attach, tokens_of
from journeyc.fmt.doc import Doc, Group, Hard, Line, Nest, Text

_TIGHT_BEFORE = {"COMMA", "DOT", "RPAR", "PERCENT_SIGN"}
_TIGHT_AFTER = {"LPAR", "DOT"}
_CONTINUATION = 4  # how much deeper a statement's second line goes (a broken condition, or after a comment)
_BLOCK = 2


def print_tree(text: str, tree: Tree) -> list[Doc]:
    """The document of a whole file."""
    return _Printer(text, tree).document(tree)


class _Printer:
    def __init__(self, text: str, tree: Tree) -> None:
        self.tokens = tokens_of(tree)
        self.around = attach(text, self.tokens)
        self.position = {token.start_pos: index for index, token in enumerate(self.tokens)}
        self.placed: set[int] = set()  # tokens whose leading comments are printed already
        self.started = False  # whether anything is printed yet (the file's first line has no break before it)
        self.break_next = False  # a trailing comment was printed: the next token goes on a new line
        self.previous: Token | None = None  # the last token printed in the current statement
        self.parts: list[Doc] = []  # where the current statement's tokens go
        self.expr_depth = 0

    def document(self, tree: Tree) -> list[Doc]:
        parts = self.items(tree.children, in_block=False)
        for comment in self.around[len(self.tokens)].leading:
            parts += self.new_line(comment.blank_before)
            parts.append(Text(comment.text))
        return parts

    # ------------------------------------------------------------ lines and comments
    def new_line(self, blank: bool) -> list[Doc]:
        self.break_next = False
        if not self.started:
            self.started = True
            return []
        return [Hard(blank)]

    def line_start(self, index: int, first_in_block: bool) -> list[Doc]:
        """The break before a line that starts with token `index`, with the comments on their own lines above it."""
        around = self.around[index]
        parts: list[Doc] = []
        first = first_in_block
        for comment in around.leading:
            parts += self.new_line(comment.blank_before and not first)
            parts.append(Text(comment.text))
            first = False
        parts += self.new_line(around.blank_before and not first)
        self.placed.add(index)
        return parts

    def index(self, token: Token) -> int:
        return self.position[token.start_pos]

    def put(self, token: Token, kind: str = "space") -> None:
        """Print `token` after the one before it: `kind` is the space between them when no comment intervenes
        ("space", "line": a break when its group breaks); none for the tight pairs."""
        index = self.index(token)
        around: Around = self.around[index]
        if self.previous is not None:
            if around.leading and index not in self.placed:
                for comment in around.leading:
                    self.parts += [Hard(), Text(comment.text)]
                self.parts.append(Hard())
                self.break_next = False
            elif self.break_next:
                self.parts.append(Hard())
                self.break_next = False
            elif kind == "line":
                self.parts.append(Line())
            elif not (token.type in _TIGHT_BEFORE or self.previous.type in _TIGHT_AFTER):
                self.parts.append(Text(" "))
        self.placed.add(index)
        self.parts.append(Text(str(token)))
        if around.trailing is not None:
            self.parts.append(Text("  " + around.trailing))
            self.break_next = True
        self.previous = token

    # ------------------------------------------------------------ statements and blocks
    def items(self, children: list[Tree | Token], in_block: bool) -> list[Doc]:
        """Statements (or declarations) one per line."""
        parts: list[Doc] = []
        widths = self.aligned_widths(children)
        for number, child in enumerate(children):
            parts += self.line_start(self.index(first_token(child)), first_in_block=in_block and number == 0)
            parts += self.statement(child, widths.get(number))
        return parts

    def statement(self, node: Tree | Token, name_width: int | None = None) -> list[Doc]:
        saved = (self.parts, self.previous, self.expr_depth)
        self.parts, self.previous, self.expr_depth = [], None, 0
        out: list[Doc] = []
        if isinstance(node, Token):
            self.put(node)
        elif node.data == "expr":  # a segment's condition: its lines break at the statement's own indentation
            self.expr(node)
        else:
            self.walk(node, out, name_width)
        out.append(Nest(_CONTINUATION, self.parts) if node_is_run(node) else Group(self.parts))
        self.parts, self.previous, self.expr_depth = saved
        return out

    def walk(self, node: Tree, out: list[Doc], name_width: int | None = None) -> None:
        children = node.children
        position = 0
        while position < len(children):
            child = children[position]
            if isinstance(child, Tree):
                if child.data == "expr":
                    self.expr(child)
                else:
                    self.walk(child, out)
            elif child.type == "LBRACE":
                closing = max(i for i, c in enumerate(children) if isinstance(c, Token) and c.type == "RBRACE")
                brace = children[closing]
                assert isinstance(brace, Token)
                self.block(child, children[position + 1 : closing], brace, out)
                position = closing
            elif name_width is not None and position == 0:
                self.put(child)
                self.parts[-1] = Text(str(child).ljust(name_width))
            else:
                self.put(child)
            position += 1

    def block(self, opening: Token, items: list[Tree | Token], closing: Token, out: list[Doc]) -> None:
        """`{`, the items one per line two spaces deeper, `}` on its own line; `{}` when there is nothing."""
        self.put(opening)
        out.append(Nest(_CONTINUATION, self.parts))
        closing_index = self.index(closing)
        comments = self.around[closing_index].leading
        if not items and not comments and not self.break_next:
            self.parts = [Text("}")]
        else:
            inside = self.items(items, in_block=True)
            first = not items
            for comment in comments:
                inside += [Hard(comment.blank_before and not first), Text(comment.text)]
                first = False
            out += [Nest(_BLOCK, inside), Hard()]
            self.break_next = False
            self.parts = [Text("}")]
        self.placed.add(closing_index)
        self.previous = closing
        trailing = self.around[closing_index].trailing
        if trailing is not None:
            self.parts.append(Text("  " + trailing))
            self.break_next = True

    def expr(self, node: Tree) -> None:
        """A condition: a group that breaks before its top-level `and` / `or` when it does not fit."""
        outer = self.parts
        self.parts = []
        nest = _CONTINUATION if self.expr_depth > 0 else 0
        self.expr_depth += 1
        for child in node.children:
            if isinstance(child, Token):
                self.put(child, "line" if child.type in ("AND", "OR") else "space")
            elif child.data == "expr":
                self.expr(child)
            else:
                self.walk(child, [])
        self.expr_depth -= 1
        outer.append(Group([Nest(nest, self.parts)]))
        self.parts = outer

    # ------------------------------------------------------------ property columns
    def aligned_widths(self, children: list[Tree | Token]) -> dict[int, int]:
        """For each property in a run of one-line properties (no empty line between them; a comment line does not
        end a run), the width its name is padded to: the longest name of the run."""
        widths: dict[int, int] = {}
        run: list[int] = []

        def close() -> None:
            width = max((len(str(first_token(children[i]))) for i in run), default=0)
            widths.update({i: width for i in run if len(run) > 1})
            run.clear()

        for number, child in enumerate(children):
            if not self.one_line_property(child):
                close()
                continue
            around = self.around[self.index(first_token(child))]
            if around.blank_before or any(comment.blank_before for comment in around.leading):
                close()
            run.append(number)
        close()
        return widths

    def one_line_property(self, node: Tree | Token) -> bool:
        if not isinstance(node, Tree) or node.data != "property":
            return False
        tokens = tokens_of(node)
        if any(t.type == "LBRACE" or "\n" in t for t in tokens):
            return False
        indexes = [self.index(t) for t in tokens]
        return not any(self.around[i].leading for i in indexes[1:]) and not any(
            self.around[i].trailing for i in indexes[:-1]
        )


def first_token(node: Tree | Token) -> Token:
    return node if isinstance(node, Token) else tokens_of(node)[0]


def node_is_run(node: Tree | Token) -> bool:
    """Whether a statement's parts are a run of tokens (indented when a comment breaks them), not a condition."""
    return not (isinstance(node, Tree) and node.data == "expr")
