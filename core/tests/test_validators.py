"""The shared field validators."""
import pytest
from django.core.exceptions import ValidationError

from core.validators import reject_control_characters


@pytest.mark.parametrize("text", ["two\nlines", "carriage\rreturn", "tab\there", "nul\x00", "bell\x07", "esc\x1b[0m",
                                  "next line\x85", "line\u2028separator", "paragraph\u2029separator"])
def test_control_characters_and_line_breaks_are_refused(text):
    with pytest.raises(ValidationError) as refused:
        reject_control_characters(text)

    assert refused.value.code == "control_character"


# A zero-width non-joiner (Persian spelling) is a format character, not a control character: it stays allowed.
@pytest.mark.parametrize("text", ["demo", "Les Heures Claires", "Kaiju Kitchen: 2", "Ωmega", "ｄｅｍｏ",
                                  "کتاب\u200cها"])
def test_ordinary_text_passes(text):
    assert reject_control_characters(text) is None
