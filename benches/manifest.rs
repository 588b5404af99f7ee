//! `cargo bench --bench manifest`: parses a batch manifest of 100 000 rows (every
//! carrier and device checked against every earlier row for duplicates) and a carrier
//! sheet of 100 000 rows, and prints how long each took. The issue that asked for it:
//! 100 000 rows in under 2 s (16 000 rows took 12 s when the duplicate check and the
//! line numbers were quadratic). `MEDIASAN_BENCH_ROWS=N` sets another size.

use std::time::Instant;

fn main() {
    let rows: usize = std::env::var("MEDIASAN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut manifest = String::from("device,carrier,method,verify\n");
    for i in 0..rows {
        manifest.push_str(&format!("/dev/disk/by-id/ata-DRIVE-{i:06},C-2026-{i:06},,\n"));
    }
    let t = Instant::now();
    let parsed = mediasan::batch::manifest::parse(&manifest).expect("the manifest parses");
    let manifest_s = t.elapsed().as_secs_f64();
    assert_eq!(parsed.len(), rows);

    let mut sheet = String::from("kind,serial,classification,custodian,make,model\r\n");
    for i in 0..rows {
        sheet.push_str(&format!("hdd,WD-{i:08},secret,zhangsan,WDC,WD10EZEX\r\n"));
    }
    let t = Instant::now();
    let carriers = mediasan::register::csv::parse(&sheet).expect("the sheet parses");
    let sheet_s = t.elapsed().as_secs_f64();
    assert_eq!(carriers.len(), rows);

    println!("manifest: {rows} rows parsed in {manifest_s:.3} s");
    println!("carrier sheet: {rows} rows parsed in {sheet_s:.3} s");
}
