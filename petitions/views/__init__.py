"""Petition views, one module per audience: council staff (the list and its bulk actions in lists.py,
the rest in staff.py, with the public lookup by code), agency responders (agency.py), Excel
export/import (excel.py). Function views throughout; every read goes through a scoped queryset or
delegations.access.get_for_user."""
