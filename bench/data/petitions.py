"""N petitions with their fields, voters, forwardings, answers, timeline steps and first history
record, generated inside PostgreSQL with INSERT … SELECT over generate_series."""
import time

from delegations.text import fold
from petitions.models import Answer, Forwarding, Petition, PetitionEvent, PetitionVoter

from .organisation import CENTRAL_AGENCIES, COMMUNE_AGENCIES, PROVINCE_DEPARTMENTS, ROUND_DAYS
from .sql import drop_indexes, insert_select, log, qn, reset_sequences, temp_table, values_sql
from .words import ANSWERS, GIVEN, PLACES, SURNAMES, TOPICS

# Statuses by round (age 0 = the latest round) on a 0–99 draw: the upper bound of each status.
STATUS_BOUNDS = {
    0: [("received", 15), ("classified", 30), ("forwarded", 85), ("answered", 100)],
    1: [("received", 2), ("classified", 4), ("forwarded", 20), ("answered", 55), ("closed", 100)],
}
MERGED_EVERY = 250  # every 250th petition is a duplicate merged into the one before it


def build_petitions(cursor, org, size, today):
    """N petitions with everything hanging off them, set-based."""
    province = org["province"]
    level_of = {a.pk: a.level for a in org["agencies"]}
    agency_rows = []
    by_council = {}
    for a in org["agencies"]:
        by_council.setdefault(a.council_id, []).append(a)
    for council_id, agencies in by_council.items():
        for idx, a in enumerate(agencies):
            agency_rows.append((council_id, idx, a.pk, level_of[a.pk]))
    temp_table(cursor, "b_agency", "council_id bigint, idx int, id bigint, level text", agency_rows)
    field_rows = []
    by_council = {}
    for f in org["fields"]:
        by_council.setdefault(f.council_id, []).append(f)
    for council_id, fields in by_council.items():
        for idx, f in enumerate(sorted(fields, key=lambda f: f.order)):
            field_rows.append((council_id, idx, f.pk))
    temp_table(cursor, "b_field", "council_id bigint, idx int, id bigint", field_rows)
    temp_table(cursor, "b_topic", "f int, j int, text text, folded text",
                [(f, j, t, fold(t)) for f, topics in enumerate(TOPICS) for j, t in enumerate(topics)])
    temp_table(cursor, "b_place", "j int, text text, folded text", [(j, p, fold(p)) for j, p in enumerate(PLACES)])
    temp_table(cursor, "b_answer", "outcome text, j int, text text, folded text",
                [(o, j, t, fold(t)) for o, texts in ANSWERS.items() for j, t in enumerate(texts)])
    temp_table(cursor, "b_person", "j int, name text, address text",
                [(j, f"{SURNAMES[j % 10]} {GIVEN[j % len(GIVEN)]}", f"Số {j + 1}, {PLACES[j % len(PLACES)]}")
                 for j in range(150)])
    round_ages = {r.pk: age for (_c, age), r in org["rounds"].items()}
    rounds = {r.pk: r for r in org["rounds"].values()}
    temp_table(cursor, "b_session", "k int, id bigint, council_id bigint, round_id bigint, group_id bigint, "
                "commune_id bigint, starts_at timestamptz, age int, province boolean, round_starts date, round_ends date",
                [(k + 1, s.pk, s.council_id, s.round_id, s.group_id, s.commune_id, s.starts_at, round_ages[s.round_id],
                  s.council_id == province.pk, rounds[s.round_id].starts_on, rounds[s.round_id].ends_on)
                 for k, s in enumerate(org["sessions"])])
    sessions = len(org["sessions"])

    started = time.perf_counter()
    cursor.execute("DROP TABLE IF EXISTS b_draw, b_p, b_fwd_src, b_fwd_ids")  # a second build on one connection
    cursor.execute("SELECT setseed(0.2026)")
    # Draws, one row a petition; a merged duplicate takes the meeting of the petition before it.
    cursor.execute(f"""
        CREATE TEMP TABLE b_draw AS
        WITH d AS (
            SELECT i, 1 + floor(random() * {sessions})::int AS s, floor(random() * 100)::int AS r_status,
                   floor(random() * 100)::int AS r_level, floor(random() * 10)::int AS f,
                   floor(random() * 1000)::int AS r3, floor(random() * 100)::int AS r_outcome,
                   floor(random() * 100)::int AS r_voters, floor(random() * 6)::int AS topic_j,
                   floor(random() * 20)::int AS place_j, floor(random() * 100)::int AS r_src,
                   floor(random() * 100)::int AS r_summary, floor(random() * 600)::int AS minutes,
                   floor(random() * 150)::int AS person_j
            FROM generate_series(1, {int(size)}) AS i)
        SELECT d.*, CASE WHEN i % {MERGED_EVERY} = 0 THEN lag(s) OVER (ORDER BY i) ELSE s END AS s2 FROM d""")
    cursor.execute(f"""
        CREATE TEMP TABLE b_p AS
        SELECT d.i, ses.council_id, ses.round_id, ses.group_id, ses.commune_id, ses.age, ses.province,
               ses.round_ends,
               CASE WHEN d.r_src < 90 OR d.i % {MERGED_EVERY} = 0 THEN ses.id END AS session_id,
               CASE WHEN d.r_src < 90 OR d.i % {MERGED_EVERY} = 0 THEN 'meeting'
                    WHEN d.r_src < 95 THEN 'writing' ELSE 'letter' END AS source,
               CASE WHEN d.i % {MERGED_EVERY} = 0 THEN 'merged' ELSE
                 CASE WHEN ses.age = 0 THEN
                   {_status_case('d.r_status', STATUS_BOUNDS[0])}
                 ELSE {_status_case('d.r_status', STATUS_BOUNDS[1])} END END AS status,
               CASE WHEN NOT ses.province THEN 'commune' WHEN d.r_level < 70 THEN 'province' ELSE 'central' END AS level,
               d.f, d.r3, d.r_outcome, d.r_voters, d.topic_j, d.place_j, d.r_summary, d.person_j,
               CASE WHEN d.r_src < 90 OR d.i % {MERGED_EVERY} = 0
                    THEN ses.starts_at + make_interval(mins => 30 + d.minutes % 90)
                    ELSE ses.round_starts + make_interval(days => d.minutes % {ROUND_DAYS}, hours => 9) END AS created_at,
               CASE WHEN d.r_outcome < 50 THEN 'resolved' WHEN d.r_outcome < 80 THEN 'in_progress'
                    ELSE 'explained' END AS outcome
        FROM b_draw d JOIN b_session ses ON ses.k = d.s2""")
    cursor.execute("""
        ALTER TABLE b_p ADD COLUMN agency_idx int, ADD COLUMN agency_id bigint, ADD COLUMN field_id bigint,
                        ADD COLUMN forwarding_id bigint""")
    # The agency follows the field: two departments a field at the province level, one ministry for
    # two fields at the central level, one of three bodies of a commune council.
    cursor.execute(f"""
        UPDATE b_p SET agency_idx = CASE WHEN level = 'province' THEN f * 2 + r3 % 2
                                         WHEN level = 'central' THEN {PROVINCE_DEPARTMENTS} + f % {CENTRAL_AGENCIES}
                                         ELSE r3 % {COMMUNE_AGENCIES} END""")
    cursor.execute("UPDATE b_p SET agency_id = a.id FROM b_agency a WHERE a.council_id = b_p.council_id "
                   "AND a.idx = b_p.agency_idx AND b_p.status NOT IN ('received', 'merged')")
    cursor.execute("UPDATE b_p SET field_id = fl.id FROM b_field fl WHERE fl.council_id = b_p.council_id "
                   "AND fl.idx = b_p.f AND (b_p.status NOT IN ('received', 'merged') OR b_p.r3 % 2 = 0)")
    cursor.execute("CREATE INDEX ON b_p (i)")
    cursor.execute("ANALYZE b_p")
    log(f"draws for {size:,} petitions in {time.perf_counter() - started:.1f} s")

    # Forwardings: one batch per council, agency and round, three days after the round ended.
    started = time.perf_counter()
    cursor.execute("""
        CREATE TEMP TABLE b_fwd_src AS SELECT DISTINCT council_id, agency_id, round_ends, level FROM b_p
        WHERE status IN ('forwarded', 'answered', 'closed')""")
    forwarding_values = {
        "council_id": "council_id", "agency_id": "agency_id",
        "forwarded_at": "(round_ends + 3 + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'",
        "forward_due_on": "CASE WHEN level = 'commune' THEN NULL ELSE round_ends + 5 END",
        "forward_due_explanation": "CASE WHEN level = 'commune' THEN '' ELSE "
                                   "'3 ngày làm việc sau khi kết thúc đợt tiếp xúc' END",
        "answer_due_on": "round_ends + 63",
        "answer_due_explanation": "'60 ngày kể từ ngày nhận kiến nghị'",
    }
    cursor.execute("CREATE TEMP TABLE b_fwd_ids (id bigint, council_id bigint, agency_id bigint, forwarded_at timestamptz)")
    insert_select(cursor, Forwarding, forwarding_values, "b_fwd_src",
                  returning="id, council_id, agency_id, forwarded_at")
    returned = cursor.fetchall()
    cursor.execute(f"INSERT INTO b_fwd_ids VALUES {values_sql(returned)}" if returned else "SELECT 1")
    cursor.execute("""
        UPDATE b_p SET forwarding_id = f.id FROM b_fwd_ids f
        WHERE f.council_id = b_p.council_id AND f.agency_id = b_p.agency_id
          AND f.forwarded_at = (b_p.round_ends + 3 + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'
          AND b_p.status IN ('forwarded', 'answered', 'closed')""")
    log(f"{len(returned):,} forwardings in {time.perf_counter() - started:.1f} s")

    big = [Petition, Petition.fields.through, PetitionVoter, Answer, PetitionEvent, Petition.history.model]
    drop_indexes(cursor, [m._meta.db_table for m in big])
    today_sql = f"'{today.isoformat()}'::date"
    code = ("'KN-' || extract(year FROM p.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int || '-' || "
            "CASE WHEN p.i < 1000000 THEN lpad(p.i::text, 6, '0') ELSE p.i::text END")
    forward_due = "CASE WHEN p.level = 'commune' OR p.status = 'merged' THEN NULL ELSE p.round_ends + 5 END"
    promised = f"({today_sql} + (p.r3 % 240) - 60)"  # some promised dates already passed
    answer_due = "CASE WHEN p.status IN ('forwarded', 'answered', 'closed') THEN p.round_ends + 63 END"
    has_voters = "CASE WHEN p.source <> 'meeting' THEN 1 WHEN p.r_voters < 40 THEN 1 WHEN p.r_voters < 50 THEN 2 ELSE 0 END"
    petition_values = {
        "id": "p.i", "council_id": "p.council_id", "source": "p.source", "session_id": "p.session_id",
        "round_id": "p.round_id", "group_id": "p.group_id", "commune_id": "p.commune_id",
        "text": "t.text || ', ' || pl.text",
        "summary": "CASE WHEN p.r_summary < 30 THEN t.text ELSE '' END",
        "level": "CASE WHEN p.status IN ('received', 'merged') THEN '' ELSE p.level END",
        "agency_id": "p.agency_id", "public_code": code,
        "status": "CASE WHEN p.status = 'merged' THEN 'received' ELSE p.status END",
        "merged_into_id": "CASE WHEN p.status = 'merged' THEN p.i - 1 END",
        "forwarding_id": "p.forwarding_id",
        "voter_count": has_voters, "meeting_count": "CASE WHEN p.session_id IS NULL THEN 0 ELSE 1 END",
        "forward_due_on": forward_due,
        "forward_due_explanation": f"CASE WHEN {forward_due} IS NULL THEN '' "
                                   "ELSE '3 ngày làm việc sau khi kết thúc đợt tiếp xúc' END",
        "answer_due_on": answer_due,
        "answer_due_explanation": f"CASE WHEN {answer_due} IS NULL THEN '' ELSE '60 ngày kể từ ngày nhận kiến nghị' END",
        "due_on": f"""CASE WHEN p.status IN ('received', 'classified') THEN {forward_due}
                          WHEN p.status = 'forwarded' THEN {answer_due}
                          WHEN p.status = 'answered' AND p.outcome = 'in_progress' THEN {promised} END""",
        "answer_text": "CASE WHEN p.status IN ('answered', 'closed') THEN an.text ELSE '' END",
        "created_at": "p.created_at",
        "search_text": f"""concat_ws(' ', t.folded || ', ' || pl.folded,
                                     CASE WHEN p.r_summary < 30 THEN t.folded END, lower({code}),
                                     CASE WHEN p.status IN ('answered', 'closed') THEN an.folded END)""",
    }
    sources = ("b_p p JOIN b_topic t ON t.f = p.f AND t.j = p.topic_j JOIN b_place pl ON pl.j = p.place_j "
               "JOIN b_answer an ON an.outcome = p.outcome AND an.j = p.r3 % 3")
    started = time.perf_counter()
    insert_select(cursor, Petition, petition_values, sources)
    log(f"{size:,} petitions in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    Through = Petition.fields.through
    rows = insert_select(cursor, Through, {"petition_id": "i", "petitionfield_id": "field_id"},
                         "b_p WHERE field_id IS NOT NULL")
    log(f"{rows:,} petition fields in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    rows = insert_select(cursor, PetitionVoter, {
        "petition_id": "p.i", "name": "pe.name", "address": "pe.address",
        "phone": "'09' || lpad(((p.i * 7 + n) % 100000000)::text, 8, '0')",
    }, f"b_p p CROSS JOIN LATERAL generate_series(1, {has_voters}) n "
       "JOIN b_person pe ON pe.j = (p.person_j + n) % 150")
    log(f"{rows:,} voters in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    answered_at = ("LEAST(now() - interval '1 hour', (p.round_ends + 3 + (p.r3 % 50) + time '10:00') "
                   "AT TIME ZONE 'Asia/Ho_Chi_Minh')")
    rows = insert_select(cursor, Answer, {
        "petition_id": "p.i", "agency_id": "p.agency_id", "outcome": "p.outcome", "text": "an.text",
        "roadmap": "CASE WHEN p.outcome = 'in_progress' THEN 'Theo kế hoạch đầu tư công trung hạn' ELSE '' END",
        "promised_on": f"CASE WHEN p.outcome = 'in_progress' THEN {promised} END",
        "answered_at": answered_at,
        "review": "CASE WHEN p.status = 'closed' THEN 'accepted' ELSE 'pending' END",
    }, "b_p p JOIN b_answer an ON an.outcome = p.outcome AND an.j = p.r3 % 3 "
       "WHERE p.status IN ('answered', 'closed')")
    log(f"{rows:,} answers in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    rows = insert_select(cursor, PetitionEvent, {"petition_id": "i", "kind": "'received'", "at": "created_at"}, "b_p")
    rows += insert_select(cursor, PetitionEvent, {
        "petition_id": "i",
        "kind": "CASE WHEN status = 'merged' THEN 'merged' ELSE status END",
        "at": "GREATEST(created_at, LEAST(now() - interval '1 hour', "
              "(round_ends + 3 + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'))",
    }, "b_p WHERE status <> 'received'")
    log(f"{rows:,} timeline steps in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    History = Petition.history.model
    petition_columns = {f.attname for f in Petition._meta.concrete_fields}
    history_values = {f.attname: f"p.{qn(f.column)}" for f in History._meta.concrete_fields
                      if f.attname in petition_columns}
    history_values.update({"history_date": "p.created_at", "history_type": "'+'",
                           "history_change_reason": "NULL", "history_user_id": "NULL"})
    history_values.pop("history_id", None)
    rows = insert_select(cursor, History, history_values, f"{qn(Petition._meta.db_table)} p")
    log(f"{rows:,} history records in {time.perf_counter() - started:.1f} s")

    reset_sequences(cursor, [Petition, Through, PetitionVoter, Answer, PetitionEvent, History, Forwarding])


def _status_case(draw, bounds):
    whens = " ".join(f"WHEN {draw} < {upper} THEN '{status}'" for status, upper in bounds[:-1])
    return f"CASE {whens} ELSE '{bounds[-1][0]}' END"

