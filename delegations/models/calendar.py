"""The council's own calendar days (holidays, swapped working days)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .org import Council, CouncilScopedQuerySet


class CalendarDayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    WORKING_DAY = "working_day", _("Working day")


class CalendarDayQuerySet(CouncilScopedQuerySet):
    """Bulk writes go row by row through CalendarDay.save()/delete(), so that an admin's "delete
    selected", an import's bulk_create or a shell's update() move open deadlines too."""

    def delete(self):
        count = 0
        for day in self.order_by("pk"):
            day.delete()
            count += 1
        return count, {self.model._meta.label: count}

    delete.queryset_only = True

    def update(self, **values):
        count = 0
        for day in self.order_by("pk"):
            for name, value in values.items():
                setattr(day, name, value)
            day.save()
            count += 1
        return count

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for day in objs:
            day.save()
        return objs


class CalendarDay(models.Model):
    """A council's own exception to the national calendar: an extra day off or a make-up working day."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="calendar_days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    reason = models.CharField(_("reason"), max_length=255)

    objects = CalendarDayQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["council", "date"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} · {self.get_kind_display()}"

    # Every path that adds, changes or removes a council's own day (the calendar page, the Django
    # admin, an import, the shell) goes through save() or delete(): the open deadlines the day
    # touches are computed again there, in the same transaction, and each move is recorded with
    # who changed the calendar. A model method, called explicitly, not a signal. The moved
    # deadlines are left on the instance (`deadlines_moved`, `deadlines_batch`) for the page to
    # report. A queryset's bulk update()/delete() bypasses this: use the rows' own methods.

    def save(self, *args, **kwargs):
        from django.db import transaction

        from ..deadlines import calendar_day_changed

        with transaction.atomic():
            before = (CalendarDay.objects.select_for_update().filter(pk=self.pk).first()
                      if self.pk else None)
            super().save(*args, **kwargs)
            self.deadlines_moved, self.deadlines_batch = calendar_day_changed(
                day=self, before=before, user=self._acting_user())

    def delete(self, *args, **kwargs):
        from django.db import transaction

        from ..deadlines import calendar_day_changed

        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            self.deadlines_moved, self.deadlines_batch = calendar_day_changed(
                day=self, deleted=True, user=self._acting_user())
        return result

    def _acting_user(self):
        """Who changed the calendar: the user set on the instance as django-simple-history reads it
        (`_history_user`), else the user of the request being served (simple-history's request
        middleware, which the admin and every page go through); None from the shell."""
        user = getattr(self, "_history_user", None)
        if user is None:
            request = getattr(HistoricalRecords.context, "request", None)
            user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None
