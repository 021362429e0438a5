"""'When to see someone' in the FAQ is written from the screening rules, never beside them
(SCREENING.md, "Words and data agree"): every sign a rule refers for is in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from backease.content.loader import CONTENT_DIR, ContentError, load_content, parse_content
from backease.core.screening import (
    REFERRAL_LEVELS,
    Answered,
    AnyOf,
    RuleSet,
    Term,
    referral_signs,
)
from backease.core.vocab import LEVEL_RANK

FAQ_ID = "when_to_see_someone"


def answer() -> str:
    return next(f.answer for f in load_content().library.faq if f.id == FAQ_ID)


def paragraphs_by_level(text: str, rules: RuleSet) -> dict[str, str]:
    """Each referral level's paragraph of the answer (its opening words come from faq.yaml)."""
    data = yaml.safe_load((CONTENT_DIR / "faq.yaml").read_text(encoding="utf-8"))
    words = next(e for e in data["faq"] if e["id"] == FAQ_ID)["answer_from_rules"]
    out = {}
    for paragraph in text.split("\n\n"):
        for level in REFERRAL_LEVELS:
            if paragraph.startswith(" ".join(words[level].split())):
                out[level] = paragraph
    return out


def _questions(terms: tuple[Term, ...]) -> list[str]:
    out: list[str] = []
    for term in terms:
        out += _questions(term.terms) if isinstance(term, AnyOf) else [term.question]
    return out


def test_every_sign_a_rule_refers_for_is_in_when_to_see_someone_under_its_level() -> None:
    rules = load_content().rules
    text = answer()
    paragraphs = paragraphs_by_level(text, rules)
    assert set(paragraphs) == set(REFERRAL_LEVELS)
    checked = 0
    for rule in rules.rules:
        if rule.level not in REFERRAL_LEVELS:
            continue
        serious = [lv for lv in REFERRAL_LEVELS if LEVEL_RANK[lv] <= LEVEL_RANK[rule.level]]
        signs = []
        for question_id in _questions(rule.when):
            question = rules.question(question_id)
            assert question is not None and question.sign, question_id
            assert question.sign in text, (rule.id, question_id)  # every sign is in the answer
            signs.append(question.sign)
            checked += 1
        # and the rule's level is said: a sign of it is listed at that level (as a line of its
        # own, or as part of a combination's line) or a more serious one (confusion with a
        # fever: confusion alone is already an emergency).
        assert any(sign in paragraphs[lv] for sign in signs for lv in serious), rule.id
        if len(rule.when) == 1 and isinstance(rule.when[0], Answered):
            assert f"- {signs[0]}\n" in paragraphs[rule.level] + "\n", rule.id
    assert checked >= 60


@pytest.mark.parametrize(
    "question",
    [
        "pain_with_exertion",
        "arm_weakness_or_clumsiness",
        "one_leg_weak",
        "back_lump_or_deformity",
        "worse_cough_sneeze_strain",
        "arm_pain_or_tingling",
        "immune_risk",
        "sudden_severe_onset",
    ],
)
def test_the_signs_the_old_answer_left_out_are_listed(question: str) -> None:
    sign = load_content().rules.question(question).sign  # type: ignore[union-attr]
    assert sign and sign in answer()


def test_the_answer_says_which_signs_need_an_urgent_gp_appointment_and_that_two_together_are_urgent() -> None:
    rules = load_content().rules
    text = answer()
    for question in ("unexplained_weight_loss", "constant_or_night_pain", "back_lump_or_deformity"):
        sign = rules.question(question).sign  # type: ignore[union-attr]
        own = next(p for p in text.split("\n\n") if "urgent GP appointment" in p)
        assert sign in own
    assert "Two or more" in text


def test_the_faq_file_holds_no_written_answer_for_it() -> None:
    data = yaml.safe_load((CONTENT_DIR / "faq.yaml").read_text(encoding="utf-8"))
    entry = next(e for e in data["faq"] if e["id"] == FAQ_ID)
    assert "answer" not in entry and "answer_from_rules" in entry


def _broken_copy(tmp_path: Path, edit: Any) -> Path:
    import shutil

    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = target / "screening.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def test_a_referral_sign_without_words_is_refused_when_the_content_loads(tmp_path: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        next(q for q in data["questions"] if q["id"] == "one_leg_weak").pop("sign")

    with pytest.raises(ContentError) as error:
        parse_content(_broken_copy(tmp_path, drop))
    assert (error.value.file, error.value.entry, error.value.field) == (
        "screening.yaml",
        "one_leg_weak",
        "sign",
    )


def test_a_new_rule_is_in_the_answer_as_soon_as_it_is_in_the_rules_file(tmp_path: Path) -> None:
    def add(data: dict[str, Any]) -> None:
        question = next(q for q in data["questions"] if q["id"] == "pain_after_meals")
        question["sign"] = "a brand new sign nobody wrote into the FAQ"
        rule = next(r for r in data["rules"] if r["id"] == "pain_after_meals")
        rule["level"] = "urgent"

    content = parse_content(_broken_copy(tmp_path, add))
    text = next(f.answer for f in content.library.faq if f.id == FAQ_ID)
    paragraphs = paragraphs_by_level(text, content.rules)
    assert "a brand new sign nobody wrote into the FAQ" in paragraphs["urgent"]
    assert "a brand new sign" not in paragraphs["soon"]
    assert referral_signs(content.rules)["urgent"]


@pytest.mark.django_db
def test_the_tips_page_and_the_api_show_the_answer_written_from_the_rules(client: Client) -> None:
    text = answer()
    faq = client.get("/api/library/faq").json()
    assert next(f["answer"] for f in faq if f["id"] == FAQ_ID) == text
    page = client.get("/tips/").content.decode()
    for sign in referral_signs(load_content().rules)["emergency"]:
        assert f"<li>{sign}</li>".replace("'", "&#x27;") in page
    assert json.dumps(text)  # plain text, no markup
