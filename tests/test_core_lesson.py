"""A lesson block (issue 21 §5) read as hostile input: bounded, typed, known control names only, one line per refusal."""

import json

import pytest

from mlp_gui.core.lesson import MAX_TEXT, RUN_BUTTONS, TAB_KEYS, Lesson, LessonError, control_names
from mlp_gui.core.settings import SETTINGS


def test_a_lesson_round_trips_and_names_each_control_once():
    lesson = Lesson.checked("Stepsize matters", "Change nothing but the stepsize.\nWhat happens at 5?",
                            hidden=["seed", "gradcheck", "seed"], locked=["layers", "start"], questions=True)
    assert lesson.hidden == ("seed", "gradcheck")
    assert Lesson.from_json(lesson.to_json()) == lesson
    assert Lesson.from_json(lesson.to_json().encode()) == lesson
    assert lesson.is_locked("seed") and lesson.is_locked("layers") and not lesson.is_hidden("layers")
    minimal = Lesson.from_json('{"title": "Watch"}')
    assert minimal == Lesson("Watch") and minimal.hidden == () and minimal.questions is False


def test_control_names_are_the_settings_the_run_buttons_and_the_tabs():
    names = control_names()
    assert set(names) == {s.name for s in SETTINGS} | set(RUN_BUTTONS) | set(TAB_KEYS)
    assert len(names) == len(set(names))
    assert control_names(("extra",))[-1] == "extra"
    with pytest.raises(ValueError, match="stepsize"):
        control_names(("stepsize",))
    assert Lesson.from_json('{"title": "t", "hidden": ["extra"]}', tab_keys=("extra", "other")).hidden == ("extra",)


@pytest.mark.parametrize("text, says", [
    ('{"title": "t", "hidden": ["stepsize", "colour", "rm -rf"]}', "the lesson's hidden names unknown controls 'colour', 'rm -rf'"),
    ('{"title": "t", "locked": "stepsize"}', "the lesson's locked must be a list of control names, not text"),
    ('{"title": "t", "locked": [1]}', "must list names as text, not a number"),
    ('{"title": "t", "questions": "yes"}', "questions must be true or false, not text"),
    ('{"title": "t", "questions": 1}', "questions must be true or false, not a number"),
    ('{"title": 5}', "the lesson's title must be text, not a number"),
    ('{"title": "  "}', "the lesson's title is empty"),
    ('{"text": "no title"}', "the lesson has no title"),
    ('{"title": "a\\nb"}', "the lesson's title holds a line break; a title is one line"),
    ('{"title": "t", "text": "bell \\u0007"}', "the lesson's text holds the control character U+0007"),
    ('{"title": "t", "__class__": "x"}', "the lesson has unknown fields: __class__"),
    ('{"title": "t", "title": "u"}', "the lesson names 'title' twice"),
    ('["title"]', "the lesson must be a JSON object, not a list"),
    ('{"title": NaN}', "the lesson holds NaN, which is not JSON"),
    ('{"title": ', "the lesson is not valid JSON"),
    ('[' * 100_000, "at most 64,000"),
    ('{"title": "t", "hidden": ' + json.dumps(list(TAB_KEYS)) + "}", "the lesson hides every tab"),
    ('{"title": "' + "x" * 201 + '"}', "the lesson's title is 201 characters long; at most 200"),
    ('{"title": "t", "hidden": ' + json.dumps(["seed"] * 201) + "}", "lists 201 names; at most 200"),
])
def test_a_bad_lesson_is_refused_in_one_line_naming_what_is_wrong(text, says):
    with pytest.raises(LessonError) as raised:
        Lesson.from_json(text)
    message = str(raised.value)
    assert says in message and "\n" not in message


def test_a_long_text_is_refused_and_deep_nesting_never_crashes():
    with pytest.raises(LessonError, match=f"at most {MAX_TEXT:,}"):
        Lesson.checked("t", "x" * (MAX_TEXT + 1))
    assert len(Lesson.checked("t", "é" * MAX_TEXT).text) == MAX_TEXT
    with pytest.raises(LessonError, match="nested too deeply|not valid JSON"):
        Lesson.from_json('{"title": "t", "text": ' + "[" * 20_000 + "]" * 20_000 + "}")
    with pytest.raises(LessonError, match="not UTF-8"):
        Lesson.from_json(b'{"title": "\xff"}')
    with pytest.raises(LessonError, match="must be JSON text, not int"):
        Lesson.from_json(3)
