"""Petition views, one module per audience: council staff (staff.py), agency responders
(agency.py), Excel export/import (excel.py); the public lookup is in staff.py's neighbour
public.py. Function views throughout; every read goes through a scoped queryset or
delegations.access.get_for_user."""
