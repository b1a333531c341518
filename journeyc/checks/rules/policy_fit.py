"""One journey against the contact policy and the channels (J601-J604, J801-J802)."""

from __future__ import annotations

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.facts import JourneyFacts, audience_logic, event_domains, logic_memo
from journeyc.checks.analysis.policy_scope import cap_counter, cap_scope_words, exempt, suppresses
from journeyc.checks.analysis.timeline import PlannedSend, as_written, describe_offset, most_in_window
from journeyc.checks.context import CheckContext
from journeyc.diagnostics import Label
from journeyc.runtime.durations import UNITS

NO_CONSENT_KINDS = {"in_app", "webhook"}  # shown inside the app / machine-to-machine: no marketing consent


def check_policy_fit(ctx: CheckContext, facts: JourneyFacts) -> None:
    policy = ctx.project.policy
    for planned in facts.sends:
        _check_channel_use(ctx, facts, planned)
        if policy is not None:
            _check_quiet_hours(ctx, policy, planned)
    if policy is not None:
        _check_caps(ctx, policy, facts)
        _check_triggered_by_suppression(ctx, policy, facts)


def _channel_place(planned: PlannedSend) -> ir.Span:
    step = planned.step
    return step.channel.span if step.channel is not None else step.message.span


def _check_channel_use(ctx: CheckContext, facts: JourneyFacts, planned: PlannedSend) -> None:
    channel = planned.channel
    if channel is None:
        return
    owner = facts.journey.owner.name if facts.journey.owner else None
    if owner not in ctx.project.teams:
        owner = None  # an unknown team is reported as such (J108), not as a channel problem
    keeper = channel.owner.name if channel.owner else None  # a channel without an owner is open to every team
    allowed = {keeper} | {team.name for team in channel.shared_with}
    if owner is not None and keeper is not None and owner not in allowed:
        ctx.report(
            "J801",
            f'team {owner} may not send on channel "{channel.name}", which team {keeper} owns',
            _channel_place(planned),
            f'sent by {owner}\'s journey "{facts.name}"',
            labels=(Label(span=channel.name_span or channel.span, message=f"owned by {keeper}"),),
            help=f"ask {keeper} to add `shared with {owner}` to the channel, or send on a channel {owner} may use",
        )
    consent_free = channel.kind is not None and channel.kind.name in NO_CONSENT_KINDS
    policy = ctx.project.policy
    if consent_free or planned.category in (None, "transactional") or exempt(policy, planned.category, "consent"):
        return
    if channel.consent is None:
        ctx.report(
            "J802",
            f'channel "{channel.name}" has no consent trait, but this {planned.category} message is sent on it',
            _channel_place(planned),
            "consent cannot be checked",
            labels=(Label(span=channel.name_span or channel.span, message="no `consent` here"),),
            help="add `consent <trait>` to the channel (the yes/no trait customers set when they agree)",
        )
        return
    audience = facts.audience
    if audience is not None and _rules_out_consent(ctx, facts, channel):
        ctx.report(
            "J603",
            f'no customer this journey reaches has agreed to messages on "{channel.name}"',
            _channel_place(planned),
            f"needs profile.{channel.consent.name}",
            labels=(Label(span=audience.span, message=f"the audience rules out profile.{channel.consent.name}"),),
            help="every such send is dropped for lack of consent: send on another channel, or fix the audience",
        )


def _rules_out_consent(ctx: CheckContext, facts: JourneyFacts, channel: ir.Channel) -> bool:
    """Whether the journey's audience is possible (an impossible one is its own problem) but excludes everyone
    who gave the channel's consent.

    Decided once per distinct audience and consent trait: journeys often share an audience, and send on a channel
    more than once.
    """
    assert channel.consent is not None and facts.audience is not None
    decided = ctx.shared.consent_ruled_out
    key = (facts.audience_key, channel.consent.name)
    if key not in decided:
        audience = facts.audience
        consented = ir.Truthy(
            operand=ir.Path(parts=("profile", channel.consent.name), span=channel.span), span=channel.span
        )
        reasoning = audience_logic(ctx)
        domains, expand, memo = reasoning.domains, reasoning.expand, reasoning.memo
        decided[key] = logic.satisfiable(audience, domains, expand, memo) and not logic.both_possible(
            audience, consented, domains, expand, memo
        )
    return decided[key]


def _check_quiet_hours(ctx: CheckContext, policy: ir.Policy, planned: PlannedSend) -> None:
    local = planned.clock.local_time
    if local is None or planned.channel is None or exempt(policy, planned.category, "quiet_hours"):
        return
    for rule in policy.quiet_hours:
        if rule.action != "drop" or (rule.channels and planned.channel.name not in {c.name for c in rule.channels}):
            continue
        start, end = rule.start.seconds, rule.end.seconds
        inside = start <= local < end if start <= end else (local >= start or local < end)
        if inside:
            hours, rest = divmod(local, UNITS["hour"])
            hhmm = f"{hours:02d}:{rest // UNITS['minute']:02d}"
            ctx.report(
                "J601",
                f"this send always happens at {hhmm} local time, inside quiet hours, and is dropped",
                planned.step.span,
                f"at {hhmm} on {planned.channel.name}",
                labels=(Label(span=rule.span, message="quiet hours on this channel drop messages"),),
                help="wait until a time outside quiet hours before sending",
            )
            return


def _check_caps(ctx: CheckContext, policy: ir.Policy, facts: JourneyFacts) -> None:
    reported: set[int] = set()
    for cap in policy.caps:
        counts = cap_counter(policy, cap)
        for path in facts.paths:
            counted = [p for p in path if counts(p)]
            run = most_in_window(counted, cap.window.seconds)
            if len(run) <= cap.limit or id(cap) in reported:
                continue
            reported.add(id(cap))
            over = run[cap.limit]
            what = cap_scope_words(cap)
            ctx.report(
                "J602",
                f'journey "{facts.name}" sends {len(run)} {what} within {as_written(cap.window)}, '
                f"but the policy allows {cap.limit}",
                over.step.span,
                f"message {cap.limit + 1} of {len(run)} ({describe_offset(over.clock)}) is over the cap",
                labels=(
                    *(
                        Label(span=p.step.span, message=f"message {i + 1} ({describe_offset(p.clock)})")
                        for i, p in enumerate(run[: cap.limit])
                    ),
                    Label(span=cap.span, message="the cap"),
                ),
                help="the runtime will drop the extra messages: space the sends out or send fewer",
            )


def _check_triggered_by_suppression(ctx: CheckContext, policy: ir.Policy, facts: JourneyFacts) -> None:
    trigger = facts.journey.trigger
    if not isinstance(trigger, ir.EventTrigger) or not facts.sends:
        return
    domains = event_domains(ctx, facts.trigger_event)
    for rule in policy.suppressions:
        if rule.event != trigger.event:
            continue
        if not all(suppresses(policy, rule, p.category) for p in facts.sends):
            continue
        if max(p.clock.latest for p in facts.sends) >= rule.duration.seconds:
            continue  # some send can fall after the window
        if logic.implies(trigger.where, rule.where, domains, memo=logic_memo(ctx)):
            ctx.report(
                "J604",
                f'every run of journey "{facts.name}" starts inside a suppression window it is subject to',
                trigger.span,
                f'each "{trigger.event}" that starts it also suppresses its messages',
                labels=(Label(span=rule.span, message=f"suppresses them for {rule.duration.text}"),),
                help="its messages are all dropped: choose another trigger, or send only after the window ends "
                f"(wait longer than {rule.duration.text})",
            )
            return
