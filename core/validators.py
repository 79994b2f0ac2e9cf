"""Validators shared by the apps' fields."""
import unicodedata

from django.core.exceptions import ValidationError

# Control characters (Cc: newline, tab, NUL, escape, ...) and the Unicode line and paragraph separators: none
# belongs in single-line text, and a line break in a mail subject makes Django refuse the whole mail.
NOT_SINGLE_LINE = {"Cc", "Zl", "Zp"}


def reject_control_characters(value):
    """Refuse text holding a control character or a line break: for single-line fields (names, titles)."""
    if any(unicodedata.category(character) in NOT_SINGLE_LINE for character in value):
        raise ValidationError("Control characters and line breaks are not allowed here.", code="control_character")
