//! Slow work in the request path on `fixtures/webshop` (axum): `POST /orders` charges the
//! card (after a fraud check over HTTP) and sends the e-mail inline; `POST /orders/queued`
//! writes a job instead; `POST /orders/{id}/receipt` e-mails from a `tokio::spawn`ed task.
//! Exactly the three inline chains of `create_order` are reported, hop by hop.

mod common;

use cargo_domains::analysis::{self, Options};
use cargo_domains::request_path;

fn slow_work() -> request_path::SlowWork {
    let opts = Options {
        manifest_path: Some(common::fixture("webshop").join("Cargo.toml")),
        ..Options::default()
    };
    let Ok(c) = analysis::check(&opts) else {
        panic!("fixtures/webshop does not check");
    };
    request_path::find(&analysis::request_path_input(&c.analysis))
}

type Row<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    (&'a str, &'a str, &'a str),
);

#[test]
fn the_inline_chains_of_the_order_handler_and_nothing_else() {
    let w = slow_work();
    // list_products, create_order, create_order_queued, resend_receipt, show_order.
    assert_eq!(w.handlers, 5);
    assert_eq!(w.queue.as_deref(), Some("the `jobs` table"));
    let rows: Vec<Row> = w
        .calls
        .iter()
        .map(|c| {
            assert_eq!(c.handler, "crate::orders::handlers::create_order");
            assert_eq!(c.route, "POST /orders");
            assert_eq!(c.handler_at, "src/orders/handlers.rs:11");
            assert!(c.fix.contains("the `jobs` table"), "{}", c.fix);
            (
                c.handler.as_str(),
                c.hops
                    .iter()
                    .map(|h| (h.call.as_str(), h.at.as_str()))
                    .collect(),
                (c.sink.kind, c.sink.path.as_str(), c.sink.at.as_str()),
            )
        })
        .collect();
    let place = (
        "crate::orders::service::place_order",
        "src/orders/handlers.rs:15",
    );
    let charge = (
        "crate::payments::Gateway::charge",
        "src/orders/service.rs:11",
    );
    assert_eq!(
        rows,
        [
            (
                "crate::orders::handlers::create_order",
                vec![
                    place,
                    (
                        "crate::notifications::send_confirmation",
                        "src/orders/service.rs:12"
                    )
                ],
                (
                    "e-mail",
                    "lettre::AsyncSmtpTransport::relay",
                    "src/notifications/mod.rs:13"
                )
            ),
            (
                "crate::orders::handlers::create_order",
                vec![
                    place,
                    charge,
                    ("crate::payments::fraud::screen", "src/payments/mod.rs:13")
                ],
                (
                    "outbound HTTP",
                    "reqwest::Client::new",
                    "src/payments/fraud.rs:6"
                )
            ),
            (
                "crate::orders::handlers::create_order",
                vec![place, charge],
                ("payment", "stripe::Client::new", "src/payments/mod.rs:14")
            ),
        ]
    );
}

#[test]
fn sinks_are_recognised_by_crate_and_mark() {
    let s = |p: &str| {
        let v: Vec<String> = p.split("::").map(str::to_string).collect();
        request_path::classify(&v).map(|s| s.kind)
    };
    assert_eq!(s("lettre::SmtpTransport::relay"), Some("e-mail"));
    // Building a message is not sending it.
    assert_eq!(s("lettre::Message::builder"), None);
    assert_eq!(s("aws_sdk_s3::Client::new"), Some("cloud SDK"));
    assert_eq!(
        s("hyper::client::conn::http1::handshake"),
        Some("outbound HTTP")
    );
    assert_eq!(s("hyper::StatusCode"), None);
    assert_eq!(s("crate::mail::send"), None);
}

#[test]
fn the_sync_side_effect_rule_fails_on_new_inline_calls_only() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::fixture("webshop").join("domains.toml")).unwrap();
    let config = tmp.path().join("domains.toml");
    std::fs::write(
        &config,
        text.replace(
            "unassigned = \"warn\"",
            "unassigned = \"warn\"\nsync_side_effect = \"deny\"",
        ),
    )
    .unwrap();
    let manifest = common::fixture("webshop").join("Cargo.toml");
    let baseline = tmp.path().join("baseline.toml");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "check",
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        common::run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let r = run(&["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let found: Vec<(&str, &str, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = ("sync-side-effect", "src/orders/handlers.rs", 11);
    assert_eq!(found, [at, at, at]);
    assert_eq!(
        v["findings"][0]["message"],
        "`create_order` (POST /orders) waits on e-mail inline: create_order -> crate::orders::service::place_order -> crate::notifications::send_confirmation -> `lettre::AsyncSmtpTransport::relay` at src/notifications/mod.rs:13"
    );
    // Recorded in the baseline, they no longer fail the check.
    assert_eq!(run(&["--update-baseline"]).code, 0);
    let r = run(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
