"""The SQL helpers of the bench's build: INSERT … SELECT with every other column's default
(insert_select), small lookup tables as temporary tables, the big tables' indexes dropped for the
load and rebuilt after it, the sequences reset, and the check that the rows hold together."""
import datetime
import time

from django.db import connection

from delegations.text import fold


def log(message):
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def qn(name):
    return connection.ops.quote_name(name)


def insert_select(cursor, model, values, source, *, returning=None):
    """INSERT INTO <model's table> (…) SELECT <values>, <defaults> FROM <source>: `values` maps a
    field's attname to an SQL expression; every other concrete column gets its field's default (or
    NULL when nullable); the primary key is left to its sequence unless named."""
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.attname in values:
            expression = values[field.attname].replace("%", "%%")  # SQL's modulo, not a placeholder
        elif field.primary_key:
            continue
        elif field.has_default():
            expression = "%s"
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            expression = "NULL"
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            expression = "now()"
        elif field.empty_strings_allowed and field.get_internal_type() in ("CharField", "TextField", "FileField",
                                                                           "EmailField", "URLField", "SlugField"):
            expression = "''"
        else:
            raise RuntimeError(f"The bench does not know how to fill {model._meta.label}.{field.name} "
                               f"(NOT NULL, no default): add it to bench/data/.")
        columns.append(qn(field.column))
        expressions.append(expression)
    unknown = set(values) - {f.attname for f in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(f"{model._meta.label} has no column {sorted(unknown)}")
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(expressions)} FROM {source.replace('%', '%%')}")
    if returning:
        sql += f" RETURNING {returning}"
    cursor.execute(sql, params)
    return cursor.rowcount


def searchable(obj):
    """What Searchable.save() stores, for rows created with bulk_create."""
    obj.search_text = fold(" ".join(str(p) for p in obj.search_parts() if p))
    return obj


# ----------------------------------------------------------------------------------- housekeeping

def app_tables():
    """Every table of the project's models and django's sessions and users: what a rebuild empties."""
    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    return sorted(tables - keep)


def truncate_all(cursor):
    cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in app_tables())} RESTART IDENTITY CASCADE")


SAVED_INDEXES = "bench_saved_index"


def restore_indexes(cursor):
    """Indexes dropped for a bulk load are kept in a table until they are rebuilt, so that a build that
    stopped half-way never leaves the next one without them."""
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {SAVED_INDEXES} (name text PRIMARY KEY, definition text NOT NULL)")
    cursor.execute(f"SELECT name, definition FROM {SAVED_INDEXES} ORDER BY name")
    for name, definition in cursor.fetchall():
        started = time.perf_counter()
        cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                       .replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1))
        cursor.execute(f"DELETE FROM {SAVED_INDEXES} WHERE name = %s", [name])
        log(f"index {name} rebuilt in {time.perf_counter() - started:.1f} s")


def drop_indexes(cursor, tables):
    """Drop the plain (not constraint) indexes of the big tables before loading them; restore_indexes()
    builds them again afterwards, faster than keeping them up to date row by row."""
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {SAVED_INDEXES} (name text PRIMARY KEY, definition text NOT NULL)")
    for table in tables:
        cursor.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [table])
        for name, definition in cursor.fetchall():
            cursor.execute(f"INSERT INTO {SAVED_INDEXES} VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition])
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def reset_sequences(cursor, models):
    for model in models:
        table, pk = model._meta.db_table, model._meta.pk.column
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(COALESCE(MAX({qn(pk)}), 0), 1)) "
                       f"FROM {qn(table)}", [table, pk])



def values_sql(rows):
    """A VALUES list of literals, for the small lookup tables (numbers and strings we wrote)."""
    def literal(value):
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, datetime.datetime):
            return f"'{value.isoformat()}'::timestamptz"
        if isinstance(value, datetime.date):
            return f"'{value.isoformat()}'::date"
        return "'" + str(value).replace("'", "''") + "'"
    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def temp_table(cursor, name, columns, rows):
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")
    for start in range(0, len(rows), 2000):
        cursor.execute(f"INSERT INTO {name} VALUES {values_sql(rows[start:start + 2000])}")
    cursor.execute(f"ANALYZE {name}")



def is_superuser(cursor):
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def check_foreign_keys(cursor):
    """The load ran with the foreign-key triggers off: prove the rows hold together anyway."""
    checks = [
        ("petition → council", "SELECT count(*) FROM petitions_petition p LEFT JOIN delegations_council c "
                               "ON c.id = p.council_id WHERE c.id IS NULL"),
        ("petition → forwarding", "SELECT count(*) FROM petitions_petition p LEFT JOIN petitions_forwarding f "
                                  "ON f.id = p.forwarding_id WHERE p.forwarding_id IS NOT NULL AND f.id IS NULL"),
        ("petition → session", "SELECT count(*) FROM petitions_petition p LEFT JOIN contact_sessions_contactsession s "
                               "ON s.id = p.session_id WHERE p.session_id IS NOT NULL AND s.id IS NULL"),
        ("forwarding agency = petition agency", "SELECT count(*) FROM petitions_petition p JOIN petitions_forwarding f "
                                                "ON f.id = p.forwarding_id WHERE f.agency_id <> p.agency_id"),
    ]
    for label, sql in checks:
        cursor.execute(sql)
        broken = cursor.fetchone()[0]
        if broken:
            raise RuntimeError(f"bench data inconsistent: {broken} rows break {label}")

