"""Outcome rows from the planned series: rules, scorecard items, vetoes, grades and money.

Every part returns rows of one shape (``COLUMNS``): the period (first day) and its cadence,
role, subject, the item and its kind, exact values (num/den pairs), a grade, an amount and a
status. Money rows (rules, bonuses) are then limited per subject and pooled per role.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import ibis
import ibis.expr.types as ir

from assessor.engine import series as s
from assessor.engine.exact import EXACT, Exact
from assessor.engine.plan import Planner
from assessor.model import scheme as m
from assessor.model.units import Unit

# the checker allows at most 2 decimals (分) in an amount
MONEY = "decimal(18, 2)"
_NULL_EXACT = (
    "value_num",
    "value_den",
    "reference_num",
    "reference_den",
    "points_num",
    "points_den",
)
COLUMNS = {
    "period": "date",
    "cadence": "string",
    "store": "string",
    "role": "string",
    "subject": "string",
    "item": "string",
    "kind": "string",
    "clause": "int64",
    "matches": "int64",
    "amount": MONEY,
    "status": "string",
    **dict.fromkeys(_NULL_EXACT, EXACT),
    "grade": "string",
    "band": "string",
    "relation": "int8",
    "note": "string",
}


def shaped(table: ir.Table, **values) -> ir.Table:
    """Select the common columns; those not given are null."""
    columns = {}
    for name, type_ in COLUMNS.items():
        value = values.get(name)
        if value is None:
            value = ibis.null(type_)
        elif not isinstance(value, ir.Value):
            value = ibis.literal(value, type=type_)
        columns[name] = value.cast(type_)
    return table.select(**columns)


@attrs.define
class Outcomes:
    """The outcome rows of one planner; ``review`` rows carry points and grades, no money."""

    planner: Planner
    review: bool

    @property
    def scheme(self) -> m.Scheme:
        """The scheme being planned."""
        return self.planner.scheme

    def rows(self) -> ir.Table:
        """Every outcome row of this cadence, in the common shape."""
        parts = [self.card_rows(card) for card in self.scheme.scorecards]
        parts += [
            self.veto_rows(card, veto) for card in self.scheme.scorecards for veto in card.vetoes
        ]
        parts += [self.grade_rows(grade) for grade in self.scheme.grades]
        if not self.review:
            money = [
                self.rule_rows(rule, role) for rule in self.scheme.rules for role in rule.roles
            ]
            money += [self.bonus_rows(bonus) for bonus in self.scheme.bonuses]
            parts += money
            if money and (self.scheme.limits or self.scheme.pools):
                parts += self.limit_and_pool_rows(ibis.union(*money))
        return ibis.union(*parts)

    def frame(self, role_name: str, *exprs: m.Expr | None) -> ir.Table:
        """The role's subjects in the assessed periods, with the values the expressions read."""
        role = self.scheme.role(role_name)
        grain = None if role.store_level else role.name
        frame = self.planner.frame(grain, self.planner.cadence, assessed_only=True)
        return self.planner.with_values(frame, *exprs)

    def value(self, expr: m.Expr | None, frame: ir.Table) -> Exact:
        """The exact value of an expression on a frame (n/a for none)."""
        if expr is None:
            return Exact(ibis.null(EXACT), ibis.null(EXACT))
        return self.planner.value(expr, frame)

    def common(self, frame: ir.Table, role: str) -> dict:
        """The columns every row of a role shares."""
        return {
            "period": frame.period,
            "cadence": self.planner.cadence,
            "store": frame[s.STORE],
            "role": role,
            "subject": frame.subject,
        }

    # -- scorecards ----------------------------------------------------------------------

    def card_rows(self, card: m.Scorecard) -> ir.Table:
        """One row per item of a scorecard (indicators, rubrics, dimensions, total)."""
        parts = []
        for item in card.items:
            points = _metric(item.name)
            value = _metric(item.value) if item.value else None
            frame = self.frame(card.role, points, value)
            score = self.value(points, frame)
            shown = self.value(value, frame)
            parts.append(
                shaped(
                    frame,
                    **self.common(frame, card.role),
                    item=item.name,
                    kind=item.kind,
                    amount=ibis.literal(0, type=MONEY),
                    status=ibis.ifelse(score.is_defined(), "ok", "n/a"),
                    value_num=shown.num,
                    value_den=shown.den,
                    points_num=score.num,
                    points_den=score.den,
                )
            )
        return ibis.union(*parts)

    def veto_rows(self, card: m.Scorecard, veto: m.Veto) -> ir.Table:
        """One row per subject and period where the veto applies."""
        frame = self.frame(card.role, veto.condition)
        holds = self.planner.condition(veto.condition, frame).fill_null(False)
        frame = frame.mutate(holds=holds)
        frame = frame.filter(frame.holds)
        score = s.constant(veto.score) if veto.score is not None else None
        return shaped(
            frame,
            **self.common(frame, card.role),
            item=veto.label,
            kind="veto",
            amount=ibis.literal(0, type=MONEY),
            status="ok",
            points_num=score.num if score else None,
            points_den=score.den if score else None,
            grade=veto.grade_cap,
            note=card.name,
        )

    # -- grades --------------------------------------------------------------------------

    def grade_index(self, grade: m.Grade, frame: ir.Table) -> tuple[Exact, ir.Value]:
        """The total, and the index of the first band it falls in (0 = best grade)."""
        total = self.value(_metric(grade.on), frame)
        grades = grade.grades
        index = ibis.cases(
            *(
                (total.compare(op, s.constant(threshold)), grades.index(label))
                for op, threshold, label in grade.bands
            ),
            else_=len(grades) - 1,
        )
        return total, ibis.ifelse(total.is_defined(), index, ibis.null("int64"))

    def grade_rows(self, grade: m.Grade) -> ir.Table:
        """Grades by bands, then forced distribution (best grade first), then veto caps."""
        caps = [v.condition for v in grade.caps]
        frame = self.frame(grade.role, _metric(grade.on), *caps)
        total, index = self.grade_index(grade, frame)
        table = frame.mutate(
            band=index,
            index=index,
            key=s.order_key(total.num, total.den),
            tnum=total.num,
            tden=total.den,
        )
        for share, label in sorted(grade.quotas, key=lambda q: grade.grades.index(q[1])):
            table = _apply_quota(table, grade.grades.index(label), share)
        for i, veto in enumerate(grade.caps):
            holds = self.planner.condition(veto.condition, table).fill_null(False)
            cap = grade.grades.index(veto.grade_cap)
            capped = holds & (table["index"] < cap)
            table = table.mutate(
                index=ibis.ifelse(capped, cap, table["index"]),
                **{f"cap{i}": ibis.ifelse(capped, veto.label, ibis.null("string"))},
            )
        notes = [table[f"cap{i}"] for i in range(len(grade.caps))]
        labels = grade.grades

        def label_of(column: ir.Value) -> ir.Value:
            return ibis.cases(*((column == i, label) for i, label in enumerate(labels)))

        note = ibis.coalesce(*notes) if notes else None
        return shaped(
            table,
            **self.common(table, grade.role),
            item=grade.name,
            kind="grade",
            amount=ibis.literal(0, type=MONEY),
            status=ibis.ifelse(table["index"].notnull(), "ok", "n/a"),
            points_num=table.tnum,
            points_den=table.tden,
            grade=label_of(table["index"]),
            band=label_of(table.band),
            note=note,
        )

    # -- money ---------------------------------------------------------------------------

    def rule_rows(self, rule: m.Rule, role_name: str) -> ir.Table:
        """One row per subject and assessed period: the clause(s) that fired and the amount.

        A rule whose values include an n/a pays 0 with status n/a.
        """
        exprs = [c.condition for c in rule.clauses] + [rule.subject_value, rule.reference_value]
        frame = self.frame(role_name, *exprs)
        # n/a spreads through exact arithmetic, so checking every compared value covers every
        # metric the rule reads and every division by zero
        compared = [v for c in rule.clauses for v in _compared_values(c.condition)]
        defined = ibis.and_(*(self.value(v, frame).is_defined() for v in compared))
        holds = [self.planner.condition(c.condition, frame).fill_null(False) for c in rule.clauses]
        fired = ibis.cases(*((h, i + 1) for i, h in enumerate(holds)), else_=0)
        matches = sum(ibis.ifelse(h, 1, 0) for h in holds)
        otherwise = ibis.literal(rule.otherwise or Decimal(0), type=MONEY)
        if rule.hit == "collect":
            paid = sum(
                ibis.ifelse(h, ibis.literal(c.amount, type=MONEY), ibis.literal(0, type=MONEY))
                for h, c in zip(holds, rule.clauses, strict=True)
            )
            amount = ibis.ifelse(matches > 0, paid, otherwise)
        else:
            amount = ibis.cases(
                *(
                    (fired == i + 1, ibis.literal(c.amount, type=MONEY))
                    for i, c in enumerate(rule.clauses)
                ),
                else_=otherwise,
            )
        subject_value = self.value(rule.subject_value, frame)
        reference = self.value(rule.reference_value, frame)
        return shaped(
            frame,
            **self.common(frame, role_name),
            item=rule.id,
            kind="rule",
            clause=ibis.ifelse(defined, fired, ibis.null("int64")),
            matches=ibis.ifelse(defined, matches, ibis.null("int64")),
            amount=ibis.ifelse(defined, amount, ibis.literal(0, type=MONEY)),
            status=ibis.ifelse(defined, "ok", "n/a"),
            value_num=subject_value.num,
            value_den=subject_value.den,
            reference_num=reference.num,
            reference_den=reference.den,
            relation=ibis.ifelse(defined, subject_value.sign_against(reference), ibis.null("int8")),
        )

    def bonus_rows(self, bonus: m.Bonus) -> ir.Table:
        """One row per subject and period: the bonus by grade or by expression."""
        vetoes = [v.condition for v in bonus.vetoes]
        if bonus.expr is not None:
            frame = self.frame(bonus.role, bonus.expr, *vetoes)
            value = self.value(bonus.expr, frame)
            amount = _to_fen(value)
            ok = value.is_defined()
            grade_label = None
        else:
            grade = next(g for g in self.scheme.grades if g.name == bonus.grade)
            grades = self.grade_rows(grade).select(*s.KEYS, grade_label="grade")
            frame = self.frame(bonus.role, *vetoes)
            frame = frame.left_join(grades, s.KEYS).select(*frame.columns, "grade_label")
            amount = ibis.cases(
                *(
                    (frame.grade_label == label, ibis.literal(money, type=MONEY))
                    for label, money in bonus.amounts
                ),
                else_=ibis.literal(bonus.otherwise, type=MONEY),
            )
            ok = frame.grade_label.notnull()
            grade_label = frame.grade_label
            value = None
        holds = [self.planner.condition(v, frame).fill_null(False) for v in vetoes]
        vetoed = ibis.or_(*holds) if holds else ibis.literal(False)
        note = (
            ibis.coalesce(
                *(
                    ibis.ifelse(h, v.label, ibis.null("string"))
                    for h, v in zip(holds, bonus.vetoes, strict=True)
                )
            )
            if holds
            else None
        )
        return shaped(
            frame,
            **self.common(frame, bonus.role),
            item=bonus.name,
            kind="bonus",
            amount=ibis.ifelse(ok & ~vetoed, amount, ibis.literal(0, type=MONEY)),
            status=ibis.ifelse(ok, "ok", "n/a"),
            value_num=value.num if value else None,
            value_den=value.den if value else None,
            grade=grade_label,
            note=note,
        )

    def limit_and_pool_rows(self, money: ir.Table) -> list[ir.Table]:
        """Clip each subject's rewards and penalties; then scale a role's rewards to its pool."""
        per_subject = money.group_by(["period", "cadence", s.STORE, "role", "subject"]).aggregate(
            rewards=money.amount.sum(where=money.amount > 0).fill_null(0).cast(MONEY),
            penalties=(-money.amount).sum(where=money.amount < 0).fill_null(0).cast(MONEY),
        )
        limits = {x.role: x for x in self.scheme.limits}
        reward_cap = _by_role(per_subject.role, {r: x.reward for r, x in limits.items()})
        penalty_cap = _by_role(per_subject.role, {r: x.penalty for r, x in limits.items()})
        clipped = per_subject.mutate(
            kept_rewards=ibis.least(per_subject.rewards, reward_cap.fill_null(per_subject.rewards)),
            kept_penalties=ibis.least(
                per_subject.penalties, penalty_cap.fill_null(per_subject.penalties)
            ),
        )
        clipped = clipped.mutate(
            adjustment=(clipped.kept_rewards - clipped.rewards)
            + (clipped.penalties - clipped.kept_penalties)
        )
        limited = clipped.filter(clipped.role.isin(list(limits)) & (clipped.adjustment != 0))
        rows = [_adjustment_rows(limited, "limit", limited.adjustment)]
        for pool in self.scheme.pools:
            rows.append(_pool_rows(clipped.filter(clipped.role == pool.role), pool))
        return rows


def _by_role(role: ir.StringValue, amounts: dict[str, Decimal | None]) -> ir.Value:
    """The amount given for the row's role; null where none is given."""
    given = [
        (role == name, ibis.literal(amount, MONEY))
        for name, amount in amounts.items()
        if amount is not None
    ]
    return ibis.cases(*given, else_=ibis.null(MONEY)) if given else ibis.null(MONEY)


def _pool_rows(clipped: ir.Table, pool: m.Pool) -> ir.Table:
    """Scale every reward by budget / total when the role's rewards in a store exceed the
    budget, rounding each down to 分.
    """
    window = ibis.window(group_by=["period", s.STORE])
    total = clipped.kept_rewards.sum().over(window)
    penalties = clipped.kept_penalties.sum().over(window) if pool.with_penalties else 0
    budget = penalties + ibis.literal(pool.budget, MONEY)
    table = clipped.mutate(total=total, budget=budget)
    fen = (table.kept_rewards * 100).cast("int64")
    scaled = (fen * (table.budget * 100).cast("int64")) // (table.total * 100).cast("int64")
    cut = ((scaled - fen).cast(MONEY) / 100).cast(MONEY)
    over = table.mutate(cut=cut).filter((table.total > table.budget) & (cut != 0))
    return _adjustment_rows(over, "pool", over.cut)


def _adjustment_rows(table: ir.Table, kind: str, amount: ir.Value) -> ir.Table:
    """Rows of a limit or pool: one per subject whose money it changes."""
    return shaped(
        table,
        period=table.period,
        cadence=table.cadence,
        store=table[s.STORE],
        role=table.role,
        subject=table.subject,
        item=kind,
        kind=kind,
        amount=amount,
        status="ok",
    )


def _apply_quota(table: ir.Table, grade: int, share) -> ir.Table:
    """At most floor(share * n) subjects of the period and store keep ``grade``: those with the
    highest totals; subjects tied at the boundary all move down one grade.
    """
    peers = ["period", s.STORE]
    graded = table["index"].notnull()
    n = graded.cast("int64").sum().over(group_by=peers)
    allowed = (n * share.numerator) // share.denominator
    at = (table["index"] == grade).fill_null(False)
    at_grade = at.cast("int64").sum().over(group_by=peers)
    # how many subjects of this grade have a total at least this one's
    below = ibis.rank().over(group_by=[*peers, at], order_by=table.key.asc())
    at_least = at_grade - below
    keep = at_least <= allowed
    return table.mutate(index=ibis.ifelse(at & ~keep, grade + 1, table["index"]))


def _to_fen(value: Exact) -> ir.Value:
    """An exact amount rounded half-up (away from zero) to 分."""
    hundred = value.num * 100
    magnitude = s.assessor_quotient(hundred.abs() * 2 + value.den, value.den * 2)
    sign = ibis.ifelse(hundred < 0, -1, 1)
    return ((magnitude * sign).cast(MONEY) / 100).cast(MONEY)


def _metric(name: str) -> m.MetricValue:
    """A reference to a metric's value (the unit only matters to the checker)."""
    return m.MetricValue(name, Unit.NUMBER, None)  # type: ignore[arg-type]


def _compared_values(condition: m.Expr) -> list[m.Expr]:
    match condition:
        case m.Comparison(left=a, right=b):
            return [a, b]
        case m.BoolOp(left=a, right=b):
            return _compared_values(a) + _compared_values(b)
        case m.Negation(operand=a):
            return _compared_values(a)
    return []
