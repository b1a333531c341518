"""Who a call is about: a customer is known by a userId, or by an anonymousId until a call ties it to one.

The decision is here, apart from any executor, so the simulator and a live intake merge customers alike:
- A call with a userId is about that customer (or about the customer an alias merged that userId into).
- A call with only an anonymousId is about the anonymous customer of that id, or, once the id is tied to a
  userId, about that identified customer.
- A call with both ties the anonymousId to the userId: the anonymous customer (browsing, carts, traits) is merged
  into the identified one. An anonymousId is tied to the first userId it comes with; a later call that brings it
  with another userId (a shared device) is about that userId and merges nothing.
- An alias merges `previousId`, an anonymousId or a userId seen before, into `userId`; from then on calls with
  the previous id are about the customer it was merged into. An alias may merge two identified customers.
What a merge carries over (history, traits, segments, entries, runs, the contact policy's counts) is the
executor's side: see `customers.merge_customers`.
"""

from __future__ import annotations

from typing import NamedTuple

from journeyc.runtime.plan_types import shown

# Ids are text without control characters (segment_spec rejects the others), so a key that starts with one
# never equals a userId: anonymous customers and identified ones never share a key.
_ANONYMOUS = "\x00"


def anonymous_key(anonymous_id: str) -> str:
    """The key of the anonymous customer of an anonymousId."""
    return _ANONYMOUS + anonymous_id


def ids_of(key: str) -> tuple[str | None, str | None]:
    """(userId, anonymousId) of a customer's key: one of them is None."""
    return (None, key[1:]) if key.startswith(_ANONYMOUS) else (key, None)


def name_of(key: str) -> str:
    """How reports name a customer: `"<userId>"`, or `anonymous "<anonymousId>"` (escaped, see plan_types.shown)."""
    user_id, anonymous_id = ids_of(key)
    return shown(user_id, 80) if user_id is not None else f"anonymous {shown(anonymous_id, 80)}"


class Resolution(NamedTuple):
    key: str  # the customer the call is about
    merged: tuple[str, ...]  # keys of customers to merge into it now (most often none)


_ALONE: tuple[str, ...] = ()


def _resolved(key: str) -> Resolution:
    """A call about `key` that merges no one (a Resolution without the Python-level __new__ of a NamedTuple)."""
    return tuple.__new__(Resolution, (key, _ALONE))


class Identities:
    """The ties between ids, as calls make them. Deterministic: the same calls in the same order give the same
    customers, whatever ran before."""

    def __init__(self) -> None:
        self.merged_into: dict[str, str] = {}  # a key -> the key of the customer it now belongs to (read only)

    def resolve(self, user_id: str | None, anonymous_id: str | None, previous_id: str | None = None) -> Resolution:
        """The customer of a call with these ids (`previous_id`: an alias's), and the customers it merges."""
        if user_id is None:
            assert anonymous_id is not None
            return _resolved(self.find(anonymous_key(anonymous_id)))
        merged_into = self.merged_into
        key = self.find(user_id) if user_id in merged_into else user_id
        if previous_id is None:
            if anonymous_id is None:
                return _resolved(key)
            anonymous = _ANONYMOUS + anonymous_id
            if anonymous in merged_into:  # (the usual web call: its anonymousId was tied before)
                return _resolved(key)
        merged: list[str] = []
        if anonymous_id is not None:
            anonymous = anonymous_key(anonymous_id)
            if anonymous not in merged_into:  # not tied to a userId yet
                self.merged_into[anonymous] = key
                merged.append(anonymous)
        if previous_id is not None:
            for previous in (anonymous_key(previous_id), previous_id):
                root = self.find(previous)
                if root != key:
                    self.merged_into[root] = key
                    merged.append(root)
        return Resolution(key, tuple(merged))

    def find(self, key: str) -> str:
        """The key of the customer `key` belongs to now (itself, unless merged)."""
        root = key
        while root in self.merged_into:
            root = self.merged_into[root]
        while key != root:  # shorten the chain for the next time
            following = self.merged_into[key]
            self.merged_into[key] = root
            key = following
        return root
