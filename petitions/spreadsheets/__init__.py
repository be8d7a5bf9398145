"""Petitions to and from Excel, one module per concern: columns (the headers, widths, level and status
words and separators both directions share), export (the export and the import template) and
importing (`petitions_import`, which reads an exported (and edited) sheet or a group's own sheet back).

The column headers and the level and status words in the cells are a data format shared with the
offices' and groups' own sheets, so they stay in Vietnamese whatever the interface language: a
sheet exported in English reads back the same. The import checks every row first and applies all
of them in one transaction, or none; its state changes go through the services. Every public name
is re-exported here."""
from .columns import (  # noqa: F401
    COLUMN_WIDTHS,
    LEVEL_LABELS,
    LEVEL_VALUES,
    LIST_SEPARATOR,
    PETITION_COLUMNS,
    PETITION_KINDS,
    STATUS_LABELS,
    STATUS_VALUES,
    SUMMARY_MAX,
    VOTER_SEPARATOR,
    XLSX_CONTENT_TYPE,
    round_label,
)
from .export import (  # noqa: F401
    export_columns,
    export_councils,
    export_queryset,
    export_workbook,
    import_template,
    petition_row,
    voter_label,
)
from .importing import (  # noqa: F401
    PHONE,
    PetitionImportReport,
    folded,
    parse_voters,
    petitions_import,
    petitions_sheet_read,
    split_list,
)
