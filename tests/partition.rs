//! Phase 4 of the roadmap on `fixtures/tenants` (`partition_key = ["tenant_id", "org_id"]`):
//! tables keyed and not (from migrations, diesel `table!`), queries that filter by the key
//! (`WHERE`, `JOIN .. ON`, an `INSERT`'s columns) and the two that cross partitions.

mod common;

fn roadmap(format: &str) -> String {
    let manifest = common::fixture("tenants").join("Cargo.toml");
    let r = common::run(&[
        "roadmap",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--no-history",
        "--format",
        format,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn tables_and_queries_against_the_partition_key() {
    let v: serde_json::Value = serde_json::from_str(&roadmap("json")).unwrap();
    let p = &v["partition"];
    let tables: Vec<(&str, Option<&str>, &str)> = p["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap(),
                t["key"].as_str(),
                t["defined_at"].as_str().unwrap(),
            )
        })
        .collect();
    let init = "sql migrations/0001_init.sql";
    assert_eq!(
        tables,
        [
            ("audit_log", None, init),
            ("currencies", None, init),
            ("customers", Some("org_id"), "diesel src/schema.rs:2"),
            ("invoices", Some("tenant_id"), init),
            ("orders", Some("tenant_id"), init),
            ("settings", None, "diesel src/schema.rs:10"),
        ]
    );
    // orders::find (WHERE), orders::place (INSERT columns), billing::invoice_of (JOIN .. ON).
    assert_eq!(p["keyed_queries"], 3);
    assert_eq!(
        p["cross_partition"],
        serde_json::json!([
            {"at": "src/billing/mod.rs:14", "tables": ["invoices"], "sql": "UPDATE invoices SET paid = true WHERE id = $1"},
            {"at": "src/reports/mod.rs:5", "tables": ["orders"], "sql": "SELECT tenant_id, SUM(total_cents) FROM orders GROUP BY tenant_id"},
        ])
    );
    assert_eq!(p["undefined"], serde_json::json!(["sessions"]));
    let p4 = &v["phases"][3];
    assert_eq!(p4["verdict"], "not_yet");
    assert_eq!(
        p4["summary"],
        "not ready for cells: add the key to 3 tables and filter 2 queries by it"
    );
}

#[test]
fn phase_four_in_text_and_markdown() {
    let h = roadmap("human");
    assert!(h.contains("phase 4: Split the data into cells -- NOT YET\n  not ready for cells: add the key to 3 tables and filter 2 queries by it\n  - 3 of 6 tables carry tenant_id or org_id\n  - without the key: audit_log (sql migrations/0001_init.sql), currencies (sql migrations/0001_init.sql), settings (diesel src/schema.rs:10)\n  - 3 queries on keyed tables filter by the key\n  - cross-partition: invoices at src/billing/mod.rs:14 (UPDATE invoices SET paid = true WHERE id = $1)\n"), "{h}");
    let m = roadmap("markdown");
    assert!(m.contains("| 4. Split the data into cells | **not yet** | not ready for cells: add the key to 3 tables and filter 2 queries by it |"), "{m}");
    assert!(
        m.contains("- queried but defined nowhere read (columns unknown): sessions"),
        "{m}"
    );
}
