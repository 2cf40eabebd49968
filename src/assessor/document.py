"""`assessor doc`: a checked scheme as the readable assessment document a client signs.

The document follows the shape of the business documents schemes come from: participants,
periods, definitions, scoring methods, standards and money, parameters. It is built from
the checked model (labels, weights, methods in words), first as a few plain blocks, then
written as Markdown or as a self-contained HTML page. Chinese by default, English on request.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import attrs

from assessor.model import scheme as m
from assessor.model.registry import AggregateSpec
from assessor.model.units import Unit, describe_quantity
from assessor.results import label_in

_PERIODS = {
    "zh": {"month": "月度", "quarter": "季度", "half": "半年度", "year": "年度"},
    "en": {"month": "monthly", "quarter": "quarterly", "half": "half-yearly", "year": "yearly"},
}
_UNITS = {
    "zh": {
        Unit.NUMBER: "数值",
        Unit.COUNT: "个",
        Unit.RATIO: "比率（%）",
        Unit.MONEY: "元",
        Unit.MONTHS: "个月",
        Unit.HOURS: "小时",
        Unit.DAYS: "天",
        Unit.POINTS: "分",
    },
    "en": {},
}
_WORDS = {
    "zh": {
        "participants": "一、考核对象",
        "periods": "二、考核周期",
        "definitions": "三、指标定义",
        "methods": "四、计分方法",
        "standards": "五、考核标准与奖惩",
        "parameters": "六、参数",
        "role": "对象",
        "who": "范围",
        "store": "全店（整体）",
        "from_column": "按 {} 区分",
        "period": "考核周期：{}。",
        "review": "每{}回顾一次（回顾不计奖金）。",
        "window": "试行期：{} 至 {}。",
        "transfer": "股权转让日：{}；“转让前基线”为转让所在期之前若干期的平均值。",
        "metric": "指标",
        "definition": "计算方法",
        "unit": "单位",
        "missing": "缺数处理",
        "item": "项目",
        "weight": "权重",
        "method": "计分方法",
        "veto": "一票否决：{}",
        "grade": "等级",
        "standard": "标准",
        "quota": "“{}”不超过参评人数的 {}",
        "otherwise": "其余",
        "rule": "奖惩规则",
        "when": "当",
        "amount": "金额",
        "bonus": "奖金",
        "limit": "{}：每期奖励不超过 {}，处罚不超过 {}",
        "pool": "{} 的奖励总额以奖金池为限",
        "name": "参数",
        "value": "取值",
        "reward": "奖励 {} 元",
        "penalty": "处罚 {} 元",
        "nothing": "不奖不罚",
        "and": " 且 ",
        "or": " 或 ",
        "not": "并非",
        "defined": "{} 有值",
        "baseline": "{}的转让前基线（前{}期平均）",
        "previous": "{}前{}期的{}",
        "shifted": "{}（{}期前）",
        "rollup": "{}（期内{}）",
        "mapping": "{}（按 {}.{} 的{}）",
        "peer": "全体{}的{}",
        "brand": "全品牌各门店{}的{}",
        "rubric": "评分（{}，满分 100）",
        "none": "（无）",
        "version": "版本 {}",
        "effective": "自 {} 起施行",
        "based_on": "基于模板《{}》（{}）",
        "per_store": "各门店分别考核（门店列 {}），门店之间互不影响",
    },
    "en": {
        "participants": "1. Who is assessed",
        "periods": "2. Periods",
        "definitions": "3. Definitions",
        "methods": "4. Scoring",
        "standards": "5. Standards and money",
        "parameters": "6. Parameters",
        "role": "Role",
        "who": "Subjects",
        "store": "the store as a whole",
        "from_column": "each value of {}",
        "period": "Assessed {}.",
        "review": "Reviewed every {} (reviews pay nothing).",
        "window": "Trial window: {} to {}.",
        "transfer": "Equity transfer: {}; a pre-transfer baseline is the mean of the periods "
        "before the one holding that day.",
        "metric": "Metric",
        "definition": "Definition",
        "unit": "Unit",
        "missing": "When missing",
        "item": "Item",
        "weight": "Weight",
        "method": "Method",
        "veto": "Veto: {}",
        "grade": "Grade",
        "standard": "Standard",
        "quota": "at most {1} of the subjects may be {0}",
        "otherwise": "otherwise",
        "rule": "Rules",
        "when": "when",
        "amount": "Amount",
        "bonus": "Bonus",
        "limit": "{}: at most {} in rewards and {} in penalties per period",
        "pool": "rewards of {} are limited by the pool",
        "name": "Parameter",
        "value": "Value",
        "reward": "reward {} yuan",
        "penalty": "penalty {} yuan",
        "nothing": "nothing",
        "and": " and ",
        "or": " or ",
        "not": "not ",
        "defined": "{} has a value",
        "baseline": "pre-transfer baseline of {} (mean of {} periods)",
        "previous": "{2} of {0} over the previous {1} periods",
        "shifted": "{} ({} periods earlier)",
        "rollup": "{} ({} within the period)",
        "mapping": "{3} of {0} over {1}.{2}",
        "peer": "{1} of {0} over all subjects",
        "brand": "{1} of {0} over every store of the brand",
        "rubric": "ratings ({}, 100 for the best)",
        "none": "(none)",
        "version": "Version {}",
        "effective": "in effect from {}",
        "based_on": "based on the template “{}” ({})",
        "per_store": "each store is assessed on its own (store column {})",
    },
}


@attrs.frozen
class Block:
    """One part of the document: a heading, a paragraph, a list or a table."""

    kind: str  # title, heading, text, items, table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def scheme_document(scheme: m.Scheme, language: str = "zh") -> list[Block]:
    """The document's blocks, in reading order."""
    words = _WORDS[language]
    writer = _Writer(scheme, language, words)
    return [
        Block("title", scheme.title),
        *writer.edition(),
        *writer.participants(),
        *writer.periods(),
        *writer.definitions(),
        *writer.methods(),
        *writer.standards(),
        *writer.parameters(),
    ]


@attrs.frozen
class _Writer:
    scheme: m.Scheme
    language: str
    words: dict[str, str]

    def label(self, name: str | None, label: str | None) -> str:
        return label_in(label, self.language) or name or ""

    def edition(self) -> Iterable[Block]:
        """Version, effective date, the template it adapts and per-store assessment, when the
        scheme says.
        """
        w, scheme = self.words, self.scheme
        parts = []
        if scheme.version:
            parts.append(w["version"].format(scheme.version))
        if scheme.effective:
            parts.append(w["effective"].format(scheme.effective.isoformat()))
        for base in scheme.bases[:1]:
            source = (
                f"{base.source}, {w['version'].format(base.version)}"
                if base.version
                else base.source
            )
            parts.append(w["based_on"].format(base.title, source))
        if scheme.stores:
            parts.append(w["per_store"].format(scheme.stores))
        return [Block("items", rows=tuple((x,) for x in parts))] if parts else []

    def participants(self) -> Iterable[Block]:
        w = self.words
        rows = [(w["role"], w["who"])]
        for role in self.scheme.roles:
            who = (
                w["store"]
                if role.store_level
                else w["from_column"].format(f"{role.table}.{role.column}")
            )
            rows.append((self.label(role.name, role.label), who))
        return [Block("heading", w["participants"]), Block("table", rows=tuple(rows))]

    def periods(self) -> Iterable[Block]:
        w, scheme = self.words, self.scheme
        lines = [w["period"].format(_PERIODS[self.language][scheme.period_kind])]
        if scheme.review_kind:
            lines.append(w["review"].format(_PERIODS[self.language][scheme.review_kind]))
        if scheme.window:
            lines.append(w["window"].format(*scheme.window))
        if scheme.transfer:
            lines.append(w["transfer"].format(scheme.transfer.isoformat()))
        return [Block("heading", w["periods"]), Block("items", rows=tuple((x,) for x in lines))]

    def definitions(self) -> Iterable[Block]:
        w = self.words
        scored = {i.name for card in self.scheme.scorecards for i in card.items}
        rows = [(w["metric"], w["definition"], w["unit"], w["missing"])]
        for metric in self.scheme.metrics:
            if metric.name in scored or metric.label is None:
                continue  # scorecard items are described with their scorecard
            rows.append(
                (
                    self.label(metric.name, metric.label),
                    self.definition(metric.definition),
                    _UNITS[self.language].get(metric.unit, metric.unit.value),
                    "" if metric.missing is None else str(metric.missing),
                )
            )
        return [Block("heading", w["definitions"]), Block("table", rows=tuple(rows))]

    def methods(self) -> Iterable[Block]:
        w = self.words
        blocks = [Block("heading", w["methods"])]
        for card in self.scheme.scorecards:
            blocks.append(Block("text", f"{self.label(card.name, card.label)}（{card.role}）"))
            rows = [(w["item"], w["weight"], w["method"])]
            for item, depth in card.tree():
                name = "　" * depth + self.label(item.name, item.label)
                rows.append((name, item.weight_text, item.method))
            blocks.append(Block("table", rows=tuple(rows)))
            vetoes = [w["veto"].format(self.veto(v)) for v in card.vetoes]
            if vetoes:
                blocks.append(Block("items", rows=tuple((x,) for x in vetoes)))
        return blocks if len(blocks) > 1 else []

    def veto(self, veto: m.Veto) -> str:
        effects = []
        if veto.score is not None:
            effects.append(f"score {veto.score}" if self.language == "en" else f"得分 {veto.score}")
        if veto.grade_cap:
            effects.append(
                f"grade at most {veto.grade_cap}"
                if self.language == "en"
                else f"等级最高为“{veto.grade_cap}”"
            )
        if veto.no_bonus:
            effects.append("no bonus" if self.language == "en" else "不发奖金")
        return f"{veto.label}：{self.expr(veto.condition)} → {'，'.join(effects)}"

    def standards(self) -> Iterable[Block]:
        w, scheme = self.words, self.scheme
        blocks = [Block("heading", w["standards"])]
        for grade in scheme.grades:
            rows = [(w["grade"], w["standard"])]
            rows += [(label, f"{grade.on} {op} {_number(x)}") for op, x, label in grade.bands]
            rows.append((grade.otherwise, w["otherwise"]))
            blocks += [
                Block("text", self.label(grade.name, grade.label)),
                Block("table", rows=tuple(rows)),
            ]
            quotas = [w["quota"].format(g, _percent(share)) for share, g in grade.quotas]
            if quotas:
                blocks.append(Block("items", rows=tuple((q,) for q in quotas)))
        for bonus in scheme.bonuses:
            blocks.append(Block("text", f"{w['bonus']}：{self.label(bonus.name, bonus.label)}"))
            if bonus.grade is not None:
                rows = [(w["grade"], w["amount"])]
                rows += [(g, self.paid(a)) for g, a in bonus.amounts]
                rows.append((w["otherwise"], self.paid(bonus.otherwise)))
                blocks.append(Block("table", rows=tuple(rows)))
            elif bonus.expr is not None:
                blocks.append(Block("items", rows=((self.expr(bonus.expr),),)))
        if scheme.rules:
            rows = [(w["rule"], w["when"], w["amount"])]
            for rule in scheme.rules:
                for clause in rule.clauses:
                    rows.append(
                        (
                            self.label(rule.id, rule.label),
                            self.expr(clause.condition),
                            self.paid(clause.amount),
                        )
                    )
                if rule.otherwise is not None:
                    rows.append(
                        (self.label(rule.id, rule.label), w["otherwise"], self.paid(rule.otherwise))
                    )
            blocks.append(Block("table", rows=tuple(rows)))
        limits = [
            w["limit"].format(x.role, _money(x.reward), _money(x.penalty)) for x in scheme.limits
        ] + [w["pool"].format(x.role) for x in scheme.pools]
        if limits:
            blocks.append(Block("items", rows=tuple((x,) for x in limits)))
        return blocks if len(blocks) > 1 else []

    def parameters(self) -> Iterable[Block]:
        w = self.words
        if not self.scheme.params:
            return []
        rows = [(w["name"], w["value"])]
        rows += [
            (self.label(p.name, p.label), self.quantity(p.value, p.unit))
            for p in self.scheme.params
        ]
        return [Block("heading", w["parameters"]), Block("table", rows=tuple(rows))]

    def paid(self, amount: Decimal) -> str:
        if amount > 0:
            return self.words["reward"].format(_number(amount))
        if amount < 0:
            return self.words["penalty"].format(_number(-amount))
        return self.words["nothing"]

    # -- definitions and expressions in words ---------------------------------------------

    def aggregate(self, aggregate: AggregateSpec) -> str:
        return aggregate.label_en if self.language == "en" else aggregate.label_zh

    def quantity(self, value: Fraction, unit: Unit) -> str:
        """``8 个月``, ``95%``, ``200 元`` in Chinese; as the language writes it in English."""
        if self.language == "en" or unit in (Unit.RATIO, Unit.NUMBER):
            return describe_quantity(value, unit)
        return f"{_number(value)} {_UNITS['zh'][unit]}"

    def metric_name(self, name: str) -> str:
        metric = self.scheme.metric(name)
        return self.label(metric.name, metric.label)

    def definition(self, definition: m.MetricDefinition) -> str:
        w = self.words
        match definition:
            case m.PluginMetric(spec=spec, arguments=arguments):
                label = spec.label_en if self.language == "en" else spec.label_zh
                shown = ", ".join(
                    f"{k} {_number(v) if not isinstance(v, str) else v}" for k, v in arguments
                )
                return f"{label}（{shown}）" if shown else label
            case m.Derived(expr=expr):
                return self.expr(expr)
            case m.OverMapping(aggregate=a, metric=x, table=t, member_column=c):
                return w["mapping"].format(self.metric_name(x), t, c, self.aggregate(a))
            case m.OverPrevious(aggregate=a, metric=x, count=n):
                return w["previous"].format(self.metric_name(x), n, self.aggregate(a))
            case m.Rollup(how=how, metric=x):
                return w["rollup"].format(self.metric_name(x), how)
            case m.Shifted(metric=x, periods=n):
                return w["shifted"].format(self.metric_name(x), n)
            case m.Baseline(metric=x, periods=n):
                return w["baseline"].format(self.metric_name(x), n)
            case m.Peer(function=f, metric=x, brand=brand):
                return w["brand" if brand else "peer"].format(self.metric_name(x), f)
            case m.RubricScore(criteria=criteria):
                return w["rubric"].format("、".join(criteria))
        return ""

    def expr(self, expr: m.Expr) -> str:
        w = self.words
        match expr:
            case m.Constant(value=v, unit=unit, param=param):
                if param is not None:
                    parameter = next(p for p in self.scheme.params if p.name == param)
                    return self.label(parameter.name, parameter.label)
                return self.quantity(v, unit)
            case m.MetricValue(metric=name):
                return self.metric_name(name)
            case m.Arithmetic(operator=op, left=a, right=b):
                symbol = {"*": "×", "/": "÷", "-": "−"}.get(op, op)
                return f"{self.expr(a)} {symbol} {self.expr(b)}"
            case m.Comparison(operator=op, left=a, right=b):
                symbol = {">=": "≥", "<=": "≤", "!=": "≠", "==": "="}.get(op, op)
                return f"{self.expr(a)} {symbol} {self.expr(b)}"
            case m.BoolOp(operator=op, left=a, right=b):
                return f"{self.expr(a)}{w[op]}{self.expr(b)}"
            case m.Negation(operand=a):
                return f"{w['not']}{self.expr(a)}"
            case m.IsDefined(operand=a):
                return w["defined"].format(self.expr(a))
            case m.Choose(cases=((m.Comparison(operator=op, left=a, right=b), _),)):
                # min(a, b) and max(a, b) are written as a choice between the two
                return f"{'min' if op == '<=' else 'max'}({self.expr(a)}, {self.expr(b)})"
        return ""


def _number(value: Fraction | Decimal) -> str:
    return describe_quantity(Fraction(value), Unit.NUMBER)


def _percent(share: Fraction) -> str:
    return describe_quantity(share, Unit.RATIO)


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else _number(amount)


# -- writing ----------------------------------------------------------------------------------


def to_markdown(blocks: Iterable[Block]) -> str:
    """The document as Markdown."""
    out = []
    for block in blocks:
        if block.kind == "title":
            out.append(f"# {block.text}\n")
        elif block.kind == "heading":
            out.append(f"## {block.text}\n")
        elif block.kind == "text":
            out.append(f"**{block.text}**\n")
        elif block.kind == "items":
            out.append("\n".join(f"- {row[0]}" for row in block.rows) + "\n")
        elif block.kind == "table":
            head, *body = block.rows
            lines = ["| " + " | ".join(_cell(c) for c in head) + " |"]
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in body]
            out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_html(blocks: Iterable[Block], language: str = "zh") -> str:
    """The document as one self-contained HTML page (no scripts, no network)."""
    blocks = list(blocks)
    title = next((b.text for b in blocks if b.kind == "title"), "")
    body = []
    for block in blocks:
        text = html.escape(block.text)
        if block.kind == "title":
            body.append(f"<h1>{text}</h1>")
        elif block.kind == "heading":
            body.append(f"<h2>{text}</h2>")
        elif block.kind == "text":
            body.append(f"<p><strong>{text}</strong></p>")
        elif block.kind == "items":
            items = "".join(f"<li>{html.escape(row[0])}</li>" for row in block.rows)
            body.append(f"<ul>{items}</ul>")
        elif block.kind == "table":
            head, *rows = block.rows
            cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
            lines = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in rows
            )
            body.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{lines}</tbody></table>")
    return (
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
    "max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}"
)
