"""Text at the door of every form: each text field's value goes through `text_clean` before the
field's own checks, and text that reads as an old Vietnamese font encoding (TCVN3, VNI) is refused
with the converted text shown until the user ticks "Use the converted text".

Every form of the project derives from `NormalisedForm` or `NormalisedModelForm` (a test walks
the project's form classes); a new form gets the cleaning by deriving from them."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import legacy_detect, text_clean

LEGACY_CONFIRM = "text_legacy_convert"
CONFIRMED = ("on", "1", "true", "yes")


def is_text_field(field):
    """A field whose value is free text: any CharField (email, URL, slug included) except passwords."""
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


def is_single_line(field):
    return not isinstance(field.widget, forms.Textarea)


class NormalisedFormMixin:
    """Cleans every text field's value with `text_clean` (single-line unless its widget is a
    Textarea) before the field parses it, and checks it for an old font encoding."""

    # Search boxes and URL filters read what is typed: an old encoding there is not refused.
    legacy_check = True
    # (field name, encoding, text as typed, text converted) of the values refused as an old encoding;
    # templates that lay fields out by hand include "includes/legacy_text.html" to show them.
    legacy_found = ()

    def full_clean(self):
        # Here rather than in __init__: forms add fields in their own __init__ after super().
        self.legacy_found = []
        for name, field in list(self.fields.items()):
            if is_text_field(field) and not getattr(field, "_text_cleaned", False):
                field.to_python = self._cleaning(name, field, field.to_python)
                field._text_cleaned = True
        super().full_clean()
        if self.legacy_found and LEGACY_CONFIRM not in self.fields:
            found = "; ".join(f"«{before}» → «{after}»" for _name, _encoding, before, after in self.legacy_found)
            self.fields[LEGACY_CONFIRM] = forms.BooleanField(
                label=_("Use the converted text"), required=False,
                help_text=_("Tick to save the text converted to Unicode: %(found)s") % {"found": found})

    def legacy_confirmed(self):
        return str(self.data.get(self.add_prefix(LEGACY_CONFIRM), "")).lower() in CONFIRMED

    def _cleaning(self, name, field, to_python):
        single_line = is_single_line(field)

        def clean_then_parse(value):
            value = text_clean(value, single_line=single_line)
            found = legacy_detect(value) if self.legacy_check and isinstance(value, str) else None
            if found:
                encoding, converted = found
                converted = text_clean(converted, single_line=single_line)
                if self.legacy_confirmed():
                    value = converted
                else:
                    self.legacy_found.append((name, encoding, value, converted))
                    raise ValidationError(
                        _('This text reads as typed with an old font encoding (%(encoding)s): "%(before)s" would '
                          'be "%(after)s" in Unicode. Tick "Use the converted text" to save it converted, or '
                          "type it again in Unicode."),
                        code="legacy_encoding",
                        params={"encoding": encoding, "before": value, "after": converted})
            return to_python(value)

        return clean_then_parse


class NormalisedForm(NormalisedFormMixin, forms.Form):
    pass


class NormalisedModelForm(NormalisedFormMixin, forms.ModelForm):
    pass
