//! The exact vectors of chain.md §3, replayed from the data files in `tests/vectors/`.
//!
//! Each epoch file holds a scenario (the `yuma simulate` format) and, per epoch, the
//! values the chain produces. A field given as an array is compared whole; as an object
//! keyed by uid, only the uids listed. `bonds_col` compares one bond column over the first
//! rows; `*_approx` fields compare `u16/65535` within the spec's stated tolerance.

use bt_yuma::block_emission::block_emission_for_issuance;
use bt_yuma::scenario::{EpochRecord, Scenario};
use bt_yuma::schedule::{blocks_until_next_auto_epoch, legacy_blocks_until_next_epoch};
use serde_json::{Map, Value};
use std::path::PathBuf;

fn vector(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_epoch_vector(name: &str) {
    let doc = vector(name);
    let scenario = Scenario::parse(&doc["scenario"].to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let records = scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"));
    let expectations = doc["expect"].as_array().expect("expect is a list");
    assert!(!expectations.is_empty());
    for expected in expectations {
        let k = expected["epoch"].as_u64().expect("epoch index") as usize;
        let record = serde_json::to_value(&records[k]).expect("record serialises");
        for (field, want) in expected.as_object().expect("object") {
            let at = format!("{name} epoch {k} {field}");
            match field.as_str() {
                "epoch" => {}
                "bonds_col" => check_bond_columns(&records[k], want, &at),
                "dividends_approx" => check_approx(&record["dividends"], want, 0.001, &at),
                "bonds_approx" => check_bonds_approx(&records[k], want, &at),
                _ => check_field(&record[field.as_str()], want, &at),
            }
        }
    }
}

fn check_field(got: &Value, want: &Value, at: &str) {
    match want {
        Value::Object(by_uid) => {
            for (uid, w) in by_uid {
                let uid: usize = uid.parse().expect("uid key");
                assert_eq!(&got[uid], w, "{at} uid {uid}");
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}

fn bond(record: &EpochRecord, i: usize, j: u16) -> u16 {
    record.bonds[i].iter().find(|(c, _)| *c == j).map_or(0, |&(_, v)| v)
}

fn check_bond_columns(record: &EpochRecord, want: &Value, at: &str) {
    for (column, values) in want.as_object().expect("columns") {
        let j: u16 = column.parse().expect("column key");
        let got: Vec<u64> =
            (0..values.as_array().expect("list").len()).map(|i| u64::from(bond(record, i, j))).collect();
        assert_eq!(Value::from(got), *values, "{at} column {j}");
    }
}

fn check_approx(got: &Value, want: &Value, tolerance: f64, at: &str) {
    for (k, w) in want.as_array().expect("list").iter().enumerate() {
        let g = got[k].as_f64().expect("number") / 65535.0;
        let w = w.as_f64().expect("number");
        assert!((g - w).abs() <= tolerance, "{at}[{k}]: {g} vs {w}");
    }
}

fn check_bonds_approx(record: &EpochRecord, want: &Value, at: &str) {
    let rows: &Map<String, Value> = want.as_object().expect("rows");
    for (uid, cells) in rows {
        let i: usize = uid.parse().expect("uid key");
        for cell in cells.as_array().expect("cells") {
            let j = cell[0].as_u64().expect("column") as u16;
            let got = f64::from(bond(record, i, j)) / 65535.0;
            let w = cell[1].as_f64().expect("value");
            assert!((got - w).abs() <= 1e-4, "{at} B[{i}][{j}]: {got} vs {w}");
        }
    }
}

#[test]
fn tv1_bonds() {
    run_epoch_vector("tv1_bonds.json");
}

#[test]
fn tv2_active_stake() {
    run_epoch_vector("tv2_active_stake.json");
}

#[test]
fn tv3_outdated_weights() {
    run_epoch_vector("tv3_outdated_weights.json");
}

#[test]
fn tv4_zero_weights() {
    run_epoch_vector("tv4_zero_weights.json");
}

#[test]
fn tv5_10_graph() {
    run_epoch_vector("tv5_10_graph.json");
}

#[test]
fn tv7a_yuma3_kappa_moves_first() {
    run_epoch_vector("tv7a_yuma3_kappa_moves_first.json");
}

#[test]
fn tv8b_yuma3_liquid_alpha_disabled() {
    run_epoch_vector("tv8b_yuma3_liquid_alpha_disabled.json");
}

/// TV6 `test_512_graph` (chain.md §3.3): 64 validators weighting 448 servers equally. It is
/// built in code rather than stored, as its data file would hold 28 672 identical weights.
/// The chain's test runs it for several uid layouts, with and without server
/// self-weights; all give the same numbers.
#[test]
fn tv6_512_graph() {
    use bt_yuma::harness::Harness;
    use bt_yuma::{EpochParams, I32F32, I64F64};

    /// Which uids are validators, by name.
    type Layout = (&'static str, fn(usize) -> bool);
    let layouts: [Layout; 3] = [
        ("validators first", |uid| uid < 64),
        ("validators last", |uid| uid >= 448),
        ("interleaved", |uid| uid % 8 == 0),
    ];
    for (layout, is_validator) in layouts {
        for server_self_weight in [false, true] {
            let stake = (0..512)
                .map(|uid| I64F64::from_num(if is_validator(uid) { 328_125_000_000_000u64 } else { 0 }))
                .collect();
            let params = EpochParams { tempo: 65534, max_allowed_validators: 64, ..EpochParams::default() };
            let mut subnet = Harness::new(stake, 0, params);
            let servers: Vec<u16> = (0..512u16).filter(|&u| !is_validator(usize::from(u))).collect();
            let validators: Vec<u16> = (0..512u16).filter(|&u| is_validator(usize::from(u))).collect();
            subnet.epoch(1);
            for &v in &validators {
                subnet
                    .set_weights(1, v, &servers, &vec![I32F32::from_num(127); servers.len()])
                    .expect("valid weights");
            }
            if server_self_weight {
                for &s in &servers {
                    subnet.set_weights(1, s, &[s], &[I32F32::from_num(1)]).expect("valid weights");
                }
            }
            let mut output = None;
            for _ in 0..3 {
                output = Some(subnet.epoch(1));
            }
            let out = output.expect("three epochs ran");
            let at = format!("{layout}, server self-weight {server_self_weight}");
            for &v in &validators {
                let v = usize::from(v);
                assert_eq!(
                    (out.consensus[v], out.incentive[v], out.dividends[v], out.emission[v]),
                    (0, 0, 1023, 7_812_500),
                    "{at}: validator {v}"
                );
                let row: Vec<(u16, u16)> = servers.iter().map(|&s| (s, 65535)).collect();
                assert_eq!(subnet.bonds[v], row, "{at}: bonds of validator {v}");
            }
            for &s in &servers {
                let s = usize::from(s);
                assert_eq!(
                    (out.consensus[s], out.incentive[s], out.dividends[s], out.emission[s]),
                    (146, 146, 0, 1_116_071),
                    "{at}: server {s}"
                );
                assert!(subnet.bonds[s].is_empty(), "{at}: bonds of server {s}");
            }
        }
    }
}

#[test]
fn block_emission_curve() {
    let doc = vector("block_emission.json");
    for case in doc["cases"].as_array().expect("cases") {
        let issuance = case[0].as_u64().expect("issuance");
        let want = case[1].as_u64().expect("emission");
        assert_eq!(block_emission_for_issuance(issuance), want, "issuance {issuance}");
    }
}

#[test]
fn epoch_schedule() {
    let doc = vector("epoch_schedule.json");
    let num = |v: &Value| v.as_u64().expect("number");
    for case in doc["auto"].as_array().expect("auto") {
        let (tempo, block, want) = (num(&case[0]) as u16, num(&case[1]), num(&case[2]));
        assert_eq!(blocks_until_next_auto_epoch(0, tempo, block), want, "tempo {tempo} block {block}");
    }
    for case in doc["legacy"].as_array().expect("legacy") {
        let (netuid, tempo, block, want) =
            (num(&case[0]) as u16, num(&case[1]) as u16, num(&case[2]), num(&case[3]));
        assert_eq!(
            legacy_blocks_until_next_epoch(netuid, tempo, block),
            want,
            "netuid {netuid} tempo {tempo} block {block}"
        );
    }
}
