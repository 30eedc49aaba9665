//! Data ownership on small crates written for one case each: which tables are read and
//! written, by whom, from diesel, SeaORM and SQL literals; what is opaque; what the config's
//! `tables` does. The fixtures (`fixtures/scoring`, `fixtures/bookings`) cover whole apps.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use cargo_domains::analysis::{self, Options};
use cargo_domains::data::{Data, OwnerSource};

fn checked(dir: &Path) -> analysis::Checked {
    let opts = Options {
        manifest_path: Some(dir.join("Cargo.toml")),
        ..Default::default()
    };
    match analysis::check(&opts) {
        Ok(c) => c,
        Err(_) => panic!("the test crate does not check"),
    }
}

/// `(module path, table, "read"|"write")`, deduplicated.
fn accesses(c: &analysis::Checked, d: &Data) -> BTreeSet<(String, String, &'static str)> {
    let p = &c.analysis.program;
    d.accesses
        .iter()
        .map(|a| {
            (
                p.modules[a.module as usize].path.clone(),
                d.tables[a.table].name.clone(),
                if a.write { "write" } else { "read" },
            )
        })
        .collect()
}

fn set(rows: &[(&str, &str, &'static str)]) -> BTreeSet<(String, String, &'static str)> {
    rows.iter()
        .map(|(m, t, a)| (m.to_string(), t.to_string(), *a))
        .collect()
}

const DOMAINS: &str = r#"
[domains.db]
modules = ["crate::db"]
shared = true

[domains.accounts]
modules = ["crate::accounts"]
depends_on = ["db"]

[domains.billing]
modules = ["crate::billing"]
depends_on = ["db"]

[domains.app]
modules_exact = ["crate"]
depends_on = ["*"]
"#;

#[test]
fn sql_literals_in_calls_methods_macros_and_consts() {
    let tmp = common::temp_crate(
        "sqlapp",
        &[
            ("domains.toml", DOMAINS),
            (
                "src/lib.rs",
                "pub mod db;\npub mod accounts;\npub mod billing;\n",
            ),
            ("src/db.rs", "pub type Pool = sqlx::PgPool;\n"),
            (
                "src/accounts.rs",
                r#"use crate::db::Pool;

const INSERT_USER: &str = "INSERT INTO users (email) VALUES ($1)";

pub async fn create(pool: &Pool, email: &str) {
    sqlx::query(INSERT_USER).bind(email).execute(pool).await.unwrap();
}

pub async fn find(pool: &Pool, id: i64) {
    let _ = sqlx::query_as!(User, "SELECT id, email FROM users WHERE id = $1", id)
        .fetch_one(pool)
        .await;
}

pub fn rename(conn: &rusqlite::Connection, id: i64, name: &str) {
    conn.execute("UPDATE profiles SET name = ?1 WHERE user_id = ?2", (name, id)).unwrap();
}

pub fn log(msg: &str) {
    // Prose, not SQL.
    println!("update failed: {msg}");
    tracing::info!("select from the list");
}

#[cfg(test)]
mod tests {
    async fn cleanup(pool: &crate::db::Pool) {
        sqlx::query!("DELETE FROM invoices").execute(pool).await.unwrap();
    }
}
"#,
            ),
            (
                "src/billing.rs",
                r#"use crate::db::Pool;

pub async fn invoice(pool: &Pool, user: i64) {
    sqlx::query!(
        r"INSERT INTO invoices (user_id, total)
          SELECT id, 0 FROM users WHERE id = $1",
        user
    )
    .execute(pool)
    .await
    .unwrap();
}

pub async fn close_account(pool: &Pool, user: i64) {
    sqlx::query("DELETE FROM users WHERE id = $1").bind(user).execute(pool).await.unwrap();
}

pub async fn search(pool: &Pool, term: &str) {
    let sql = format!("SELECT * FROM invoices WHERE memo LIKE '%{term}%'");
    let _ = sqlx::query(&sql).fetch_all(pool).await;
}

pub fn purge(conn: &rusqlite::Connection, table: &str) {
    conn.execute(&format!("DELETE FROM {table} WHERE archived"), []).unwrap();
}
"#,
            ),
        ],
    );
    let c = checked(tmp.path());
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    assert_eq!(
        accesses(&c, &d),
        set(&[
            ("sqlapp::accounts", "users", "write"),
            ("sqlapp::accounts", "users", "read"),
            ("sqlapp::accounts", "profiles", "write"),
            ("sqlapp::billing", "invoices", "write"),
            ("sqlapp::billing", "users", "read"),
            ("sqlapp::billing", "users", "write"),
        ])
    );
    // The two run-time SQL strings are opaque, located where they are written.
    let mut opaque: Vec<(u32, &str)> = d
        .opaque
        .iter()
        .map(|o| (o.span.start.line, o.why.as_str()))
        .collect();
    opaque.sort();
    assert_eq!(opaque.len(), 2, "{opaque:?}");
    assert_eq!(opaque[0].0, 20);
    assert!(opaque[0].1.contains("sqlx::query"), "{}", opaque[0].1);
    assert_eq!(opaque[1].0, 24);
    assert!(opaque[1].1.contains("format!"), "{}", opaque[1].1);
    // Two domains write `users`: the majority writer cannot be decided (1 site each).
    let owners = d.owners(&c);
    let users = d.tables.iter().position(|t| t.name == "users").unwrap();
    assert_eq!(owners[users].source, OwnerSource::Unowned);
    let invoices = d.tables.iter().position(|t| t.name == "invoices").unwrap();
    assert_eq!(owners[invoices].source, OwnerSource::MajorityWriter);
}

#[test]
fn diesel_tables_resolve_and_writes_are_the_write_calls_arguments() {
    let tmp = common::temp_crate(
        "dieselapp",
        &[
            ("domains.toml", DOMAINS),
            (
                "src/lib.rs",
                "pub mod db;\npub mod accounts;\npub mod billing;\n",
            ),
            ("src/db/mod.rs", "pub mod schema;\n"),
            (
                "src/db/schema.rs",
                r#"// @generated automatically by Diesel CLI.

diesel::table! {
    users (id) {
        id -> Int4,
        email -> Varchar,
    }
}

diesel::table! {
    #[sql_name = "invoice"]
    invoices (id) {
        id -> Int4,
        user_id -> Int4,
        total -> Int8,
    }
}

diesel::joinable!(invoices -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(invoices, users,);
"#,
            ),
            (
                "src/accounts.rs",
                r#"use diesel::prelude::*;
use crate::db::schema::users;

pub fn create(conn: &mut PgConnection, email: &str) {
    diesel::insert_into(users::table)
        .values(users::email.eq(email))
        .execute(conn)
        .unwrap();
}

pub fn by_email(conn: &mut PgConnection, addr: &str) -> i32 {
    use crate::db::schema::users::dsl::*;
    users.filter(email.eq(addr)).select(id).first(conn).unwrap()
}
"#,
            ),
            (
                "src/billing.rs",
                r#"use diesel::prelude::*;
use crate::db::schema::{invoices, users};

pub fn bill(conn: &mut PgConnection, user: i32) {
    let exists: bool = diesel::select(diesel::dsl::exists(users::table.find(user)))
        .get_result(conn)
        .unwrap();
    if exists {
        diesel::insert_into(invoices::table)
            .values((invoices::user_id.eq(user), invoices::total.eq(0)))
            .execute(conn)
            .unwrap();
    }
}

pub fn forget(conn: &mut PgConnection, user: i32) {
    diesel::delete(users::table.find(user)).execute(conn).unwrap();
}
"#,
            ),
        ],
    );
    let c = checked(tmp.path());
    // No path into the schema is left unresolved.
    let unresolved: Vec<&str> = c
        .analysis
        .resolution
        .unresolved
        .iter()
        .map(|u| u.written.as_str())
        .filter(|w| w.contains("users") || w.contains("invoices") || w.contains("email"))
        .collect();
    assert!(unresolved.is_empty(), "{unresolved:?}");
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    assert_eq!(
        accesses(&c, &d),
        set(&[
            ("dieselapp::accounts", "users", "write"),
            ("dieselapp::accounts", "users", "read"),
            ("dieselapp::billing", "users", "read"),
            ("dieselapp::billing", "users", "write"),
            ("dieselapp::billing", "invoice", "write"),
            ("dieselapp::billing", "invoice", "read"),
        ])
    );
    // Both tables are defined in the shared kernel: the definition does not decide.
    assert_eq!(d.tables.len(), 2);
    assert!(d.tables.iter().all(|t| t.defs.len() == 1));
    assert_eq!(d.fks.len(), 1);
    assert_eq!(d.tables[d.fks[0].child].name, "invoice");
    assert_eq!(d.tables[d.fks[0].parent].name, "users");
    let owners = d.owners(&c);
    let users = d.tables.iter().position(|t| t.name == "users").unwrap();
    // accounts writes users at one site (the insert), billing at one (the delete): a tie.
    assert_eq!(owners[users].source, OwnerSource::Unowned);
}

#[test]
fn sea_orm_entities_and_active_models() {
    let tmp = common::temp_crate(
        "seaapp",
        &[
            ("domains.toml", DOMAINS),
            (
                "src/lib.rs",
                "pub mod db;\npub mod accounts;\npub mod billing;\n",
            ),
            (
                "src/db.rs",
                "pub type Conn = sea_orm::DatabaseConnection;\n",
            ),
            ("src/accounts/mod.rs", "pub mod user;\npub mod service;\n"),
            (
                "src/accounts/user.rs",
                r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#,
            ),
            (
                "src/accounts/service.rs",
                r#"use sea_orm::*;
use super::user;

pub async fn register(db: &crate::db::Conn, email: String) -> user::Model {
    user::ActiveModel { email: Set(email), ..Default::default() }.insert(db).await.unwrap()
}

pub async fn find(db: &crate::db::Conn, id: i32) -> Option<user::Model> {
    user::Entity::find_by_id(id).one(db).await.unwrap()
}
"#,
            ),
            (
                "src/billing.rs",
                r#"use sea_orm::*;
use crate::accounts::user;

pub async fn owner_email(db: &crate::db::Conn, id: i32) -> Option<String> {
    user::Entity::find_by_id(id).one(db).await.unwrap().map(|u| u.email)
}

pub async fn purge_unpaid(db: &crate::db::Conn) {
    user::Entity::delete_many().filter(user::Column::Email.contains("@test")).exec(db).await.unwrap();
}
"#,
            ),
        ],
    );
    let c = checked(tmp.path());
    let unresolved: Vec<&str> = c
        .analysis
        .resolution
        .unresolved
        .iter()
        .map(|u| u.written.as_str())
        .filter(|w| w.starts_with("user::"))
        .collect();
    assert!(unresolved.is_empty(), "{unresolved:?}");
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    assert_eq!(
        accesses(&c, &d),
        set(&[
            ("seaapp::accounts::service", "users", "write"),
            ("seaapp::accounts::service", "users", "read"),
            ("seaapp::billing", "users", "read"),
            ("seaapp::billing", "users", "write"),
        ])
    );
    // The entity lives in accounts: accounts owns `users` by definition.
    let owners = d.owners(&c);
    assert_eq!(owners[0].source, OwnerSource::Defined);
    assert_eq!(c.config.domains[owners[0].domain.unwrap()].name, "accounts");
}

#[test]
fn declared_tables_win_and_overlaps_are_config_errors() {
    let files = |extra: &str| -> Vec<(String, String)> {
        vec![
            (
                "domains.toml".into(),
                DOMAINS.replace(
                    "[domains.billing]\n",
                    &format!("[domains.billing]\ntables = [\"Users\"]\n{extra}"),
                ),
            ),
            ("src/lib.rs".into(), "pub mod db;\npub mod accounts;\npub mod billing;\n".into()),
            ("src/db.rs".into(), "\n".into()),
            (
                "src/accounts.rs".into(),
                "pub fn f(c: &rusqlite::Connection) { c.execute(\"INSERT INTO users (id) VALUES (1)\", []).unwrap(); }\n".into(),
            ),
            ("src/billing.rs".into(), "\n".into()),
        ]
    };
    let owned = files("");
    let refs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let tmp = common::temp_crate("declared", &refs);
    let c = checked(tmp.path());
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    let owners = d.owners(&c);
    // Declared (case-insensitively) by billing, although only accounts writes it.
    assert_eq!(owners[0].source, OwnerSource::Declared);
    assert_eq!(c.config.domains[owners[0].domain.unwrap()].name, "billing");

    let clash = DOMAINS
        .replace(
            "[domains.billing]\n",
            "[domains.billing]\ntables = [\"users\"]\n",
        )
        .replace(
            "[domains.accounts]\n",
            "[domains.accounts]\ntables = [\"users\", \" \"]\n",
        );
    let tmp = common::temp_crate(
        "clash",
        &[
            ("domains.toml", clash.as_str()),
            (
                "src/lib.rs",
                "pub mod db;\npub mod accounts;\npub mod billing;\n",
            ),
            ("src/db.rs", "\n"),
            ("src/accounts.rs", "\n"),
            ("src/billing.rs", "\n"),
        ],
    );
    let r = common::run_in(tmp.path(), &["score"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("config-table-overlap"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("table `users` is declared by `accounts` and by `billing`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("config-bad-table"), "{}", r.stderr);
}

/// The `| domain | table | access | sites |` table of a fixture's EXPECTED_TABLES.md:
/// `(domain, table, access)` with the `file:line` sites cited in the row.
fn expected_accesses(fixture: &str) -> Vec<((String, String, String), Vec<String>)> {
    let text = std::fs::read_to_string(common::fixture(fixture).join("EXPECTED_TABLES.md"))
        .expect("EXPECTED_TABLES.md");
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with("| domain | table | access |") {
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("| ---") {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        // Sites: the backticked `file.rs:LINE` tokens at the start of each entry.
        let sites = cells[3]
            .split('`')
            .filter(|t| t.contains(".rs:") && !t.contains(' '))
            .map(str::to_string)
            .collect();
        rows.push((
            (
                cells[0].to_string(),
                cells[1].to_string(),
                cells[2].to_string(),
            ),
            sites,
        ));
    }
    assert!(
        !rows.is_empty(),
        "no access table in {fixture}/EXPECTED_TABLES.md"
    );
    rows
}

/// Our accesses by business domain: `(domain, table, read|write)` -> `file:line` sites.
fn actual_accesses(
    c: &analysis::Checked,
    d: &Data,
) -> std::collections::BTreeMap<(String, String, String), BTreeSet<String>> {
    let p = &c.analysis.program;
    let mut out: std::collections::BTreeMap<_, BTreeSet<String>> = Default::default();
    for a in &d.accesses {
        let Some(dom) = c.assignment.domain_of[a.module as usize] else {
            continue;
        };
        let dom = &c.config.domains[dom];
        if dom.shared || dom.depends_on_any {
            continue;
        }
        let at = format!("{}:{}", p.file_rel(a.file), a.span.start.line);
        let kind = if a.write { "write" } else { "read" };
        out.entry((
            dom.name.clone(),
            d.tables[a.table].name.clone(),
            kind.to_string(),
        ))
        .or_default()
        .insert(at);
    }
    out
}

#[test]
fn bookings_fixture_matches_its_expected_tables() {
    let c = checked(&common::fixture("bookings"));
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    let actual = actual_accesses(&c, &d);
    let expected = expected_accesses("bookings");
    let exp_keys: BTreeSet<_> = expected.iter().map(|(k, _)| k.clone()).collect();
    let act_keys: BTreeSet<_> = actual.keys().cloned().collect();
    assert_eq!(act_keys, exp_keys, "(domain, table, access) rows");
    let cited: usize = expected.iter().map(|(_, s)| s.len()).sum();
    assert!(cited >= 25, "only {cited} sites parsed from the oracle");
    // Every site the oracle cites is found, with the same access.
    for (key, sites) in &expected {
        for s in sites {
            assert!(
                actual[key].contains(s),
                "{key:?}: expected site {s}, found {:?}",
                actual[key]
            );
        }
    }
    // The test-only delete of `invoices` in guests/repo.rs is not counted.
    assert!(
        !actual
            .keys()
            .any(|(dom, t, _)| dom == "guests" && t == "invoices")
    );
    // Owners as the oracle says, with how they were decided.
    let owners = d.owners(&c);
    let owner = |t: &str| {
        let i = d.tables.iter().position(|x| x.name == t).unwrap();
        (
            owners[i].domain.map(|o| c.config.domains[o].name.clone()),
            owners[i].source,
        )
    };
    assert_eq!(
        owner("guests"),
        (Some("guests".into()), OwnerSource::MajorityWriter)
    );
    assert_eq!(
        owner("rooms"),
        (Some("rooms".into()), OwnerSource::MajorityWriter)
    );
    assert_eq!(
        owner("reservations"),
        (Some("reservations".into()), OwnerSource::MajorityWriter)
    );
    assert_eq!(
        owner("invoices"),
        (Some("billing".into()), OwnerSource::Declared)
    );
    // Three joinable! foreign keys, all across domains.
    let fks: BTreeSet<(String, String)> = d
        .fks
        .iter()
        .map(|f| {
            (
                d.tables[f.child].name.clone(),
                d.tables[f.parent].name.clone(),
            )
        })
        .collect();
    assert_eq!(
        fks,
        [
            ("invoices", "reservations"),
            ("reservations", "guests"),
            ("reservations", "rooms")
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    );
    assert!(d.opaque.is_empty());
    // Queries whose tables are known together: billing's SQL (guests x reservations) and the
    // arrivals list's `reservations::table.inner_join(guests::table)`.
    let statements: BTreeSet<(String, Vec<String>)> = d
        .statements
        .iter()
        .map(|s| {
            let mut t: Vec<String> = s.tables.iter().map(|t| d.tables[*t].name.clone()).collect();
            t.sort();
            (
                format!(
                    "{}:{}",
                    c.analysis.program.file_rel(s.file),
                    s.span.start.line
                ),
                t,
            )
        })
        .collect();
    let g_r = vec!["guests".to_string(), "reservations".to_string()];
    assert_eq!(
        statements,
        [
            ("src/billing/service.rs:99".to_string(), g_r.clone()),
            ("src/reservations/repo.rs:86".to_string(), g_r),
        ]
        .into_iter()
        .collect()
    );
}

#[test]
fn market_fixture_matches_its_expected_tables() {
    let c = checked(&common::fixture("scoring"));
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    let actual = actual_accesses(&c, &d);
    let expected = expected_accesses("scoring");
    let exp_keys: BTreeSet<_> = expected.iter().map(|(k, _)| k.clone()).collect();
    let act_keys: BTreeSet<_> = actual.keys().cloned().collect();
    assert_eq!(act_keys, exp_keys, "(domain, table, access) rows");
    let cited: usize = expected.iter().map(|(_, s)| s.len()).sum();
    assert!(cited >= 15, "only {cited} sites parsed from the oracle");
    for (key, sites) in &expected {
        for s in sites {
            assert!(
                actual[key].contains(s),
                "{key:?}: expected site {s}, found {:?}",
                actual[key]
            );
        }
    }
    let opaque: Vec<String> = d
        .opaque
        .iter()
        .map(|o| {
            format!(
                "{}:{}",
                c.analysis.program.file_rel(o.file),
                o.span.start.line
            )
        })
        .collect();
    assert_eq!(opaque, ["src/catalog/store.rs:64"]);
    let owners = d.owners(&c);
    let owner = |t: &str| {
        let i = d.tables.iter().position(|x| x.name == t).unwrap();
        (
            owners[i].domain.map(|o| c.config.domains[o].name.clone()),
            owners[i].source,
        )
    };
    for (t, o, how) in [
        ("products", "catalog", OwnerSource::Declared),
        ("prices", "catalog", OwnerSource::Declared),
        ("orders", "orders", OwnerSource::MajorityWriter),
        ("order_lines", "orders", OwnerSource::MajorityWriter),
        ("payments", "payments", OwnerSource::MajorityWriter),
        ("receipts", "payments", OwnerSource::MajorityWriter),
        ("outbox", "notifications", OwnerSource::MajorityWriter),
    ] {
        assert_eq!(owner(t), (Some(o.to_string()), how), "{t}");
    }
}

#[test]
fn shop_fixture_matches_its_expected_tables() {
    let c = checked(&common::fixture("shop"));
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    let actual = actual_accesses(&c, &d);
    let expected = expected_accesses("shop");
    let exp: std::collections::BTreeMap<_, BTreeSet<String>> = expected
        .into_iter()
        .map(|(k, sites)| (k, sites.into_iter().collect()))
        .collect();
    // Exactly the oracle: rows and every site.
    assert_eq!(actual, exp);
    assert!(d.opaque.is_empty());
}

#[test]
fn odd_database_code_is_opaque_or_ignored_never_fatal() {
    let tmp = common::temp_crate(
        "oddapp",
        &[
            ("domains.toml", DOMAINS),
            (
                "src/lib.rs",
                "pub mod db;\npub mod accounts;\npub mod billing;\n",
            ),
            (
                "src/db.rs",
                // Not diesel's grammar: no table comes out of it, and nothing breaks.
                "table! { 42 -> => }\ntable! {}\ndiesel::joinable!(nothing);\n",
            ),
            ("queries/ok.sql", "SELECT id FROM users"),
            (
                "src/accounts.rs",
                r#"#[derive(DeriveEntityModel)]
#[sea_orm(table_name = 5)]
pub struct Model { pub id: i32 }

pub async fn q(pool: &sqlx::PgPool) {
    let _ = sqlx::query_file!("queries/ok.sql").fetch_all(pool).await;
    let _ = sqlx::query_file!("queries").fetch_all(pool).await;
    let _ = sqlx::query_file!("/dev/zero").fetch_all(pool).await;
    let _ = sqlx::query_file!("queries/missing.sql").fetch_all(pool).await;
    let _ = sqlx::query!("SELECT * FROM WHERE").fetch_all(pool).await;
}
"#,
            ),
            ("src/billing.rs", "\n"),
        ],
    );
    let c = checked(tmp.path());
    let d = Data::collect(&c.analysis.program, &c.analysis.resolution);
    assert_eq!(
        accesses(&c, &d),
        set(&[("oddapp::accounts", "users", "read")])
    );
    let mut why: Vec<(u32, String)> = d
        .opaque
        .iter()
        .map(|o| (o.span.start.line, o.why.clone()))
        .collect();
    why.sort();
    assert_eq!(why.len(), 4, "{why:?}");
    assert!(why[0].1.contains("is not a file"), "{why:?}");
    assert!(why[1].1.contains("is not a file"), "{why:?}");
    assert!(why[2].1.contains("missing.sql"), "{why:?}");
    assert!(why[3].1.contains("no dialect parses"), "{why:?}");
    // The score still runs.
    let r = common::run_in(tmp.path(), &["score"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("opaque SQL"), "{}", r.stdout);
}
