//! A benchmark harness for ratios on a shared machine: the variants take turns, round after
//! round, so that a change in the machine's speed reaches both sides of every ratio. Criterion
//! measures one benchmark after another; on this machine their medians moved by 20-40%
//! between runs minutes apart.

use std::time::Instant;

#[allow(dead_code)] // Used by the gradient-log benches only.
pub mod trainer_rows;

/// Iterations of each variant before measuring.
const WARM_UP_ROUNDS: usize = 3;

/// One way of doing the benchmark's work, run once per round.
pub struct Variant<'a> {
    pub name: &'static str,
    pub run: Box<dyn FnMut() + 'a>,
}

/// The median of `values`.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// The median of `values`, taken by value.
#[allow(dead_code)] // Used by the xlsx bench only.
pub fn median_of(mut values: Vec<f64>) -> f64 {
    median(&mut values)
}

/// `rate` with a unit prefix: `2.71 M`, `58.9 k`.
pub fn per_second(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} M", rate / 1e6)
    } else {
        format!("{:.1} k", rate / 1e3)
    }
}

/// Runs every variant once per round for `rounds` rounds, in alternating order, and prints for
/// each its median time, its throughput (`n_items` per run), and the median over the rounds of
/// its time and its rate relative to the first variant's in the same round. Returns each
/// variant's median time in seconds, in the order of `variants`.
pub fn compare(
    name: &str,
    n_items: usize,
    item: &str,
    rounds: usize,
    variants: &mut [Variant<'_>],
) -> Vec<f64> {
    let mut timed: Vec<TimedVariant<'_>> = variants
        .iter_mut()
        .map(|variant| TimedVariant {
            name: variant.name,
            run: Box::new(|| {
                let start = Instant::now();
                (variant.run)();
                start.elapsed().as_secs_f64()
            }),
        })
        .collect();
    compare_timed(name, n_items, item, rounds, &mut timed)
}

/// A variant that times itself: `run` returns the seconds of the part that counts (such as
/// the training time a run reports, without its set-up).
pub struct TimedVariant<'a> {
    pub name: &'static str,
    pub run: Box<dyn FnMut() -> f64 + 'a>,
}

/// [`compare`] for variants that time themselves.
pub fn compare_timed(
    name: &str,
    n_items: usize,
    item: &str,
    rounds: usize,
    variants: &mut [TimedVariant<'_>],
) -> Vec<f64> {
    for variant in variants.iter_mut() {
        for _ in 0..WARM_UP_ROUNDS {
            (variant.run)();
        }
    }
    let mut seconds = vec![Vec::with_capacity(rounds); variants.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for variant_idx in order {
            seconds[variant_idx].push((variants[variant_idx].run)());
        }
    }
    println!("{name}: {n_items} {item} a run, medians of {rounds} rounds");
    println!(
        "  {:<28} {:>10} {:>16} {:>11} {:>11}",
        "variant",
        "time",
        format!("{item}/s"),
        "time/first",
        "rate/first"
    );
    let mut medians = Vec::with_capacity(variants.len());
    for (variant, times) in variants.iter().zip(&seconds) {
        let mut time_ratios: Vec<f64> =
            times.iter().zip(&seconds[0]).map(|(time, first)| time / first).collect();
        let time_ratio = median(&mut time_ratios);
        let time = median(&mut times.clone());
        medians.push(time);
        println!(
            "  {:<28} {:>7.2} ms {:>16} {:>11.3} {:>11.3}",
            variant.name,
            time * 1e3,
            per_second(n_items as f64 / time),
            time_ratio,
            1.0 / time_ratio
        );
    }
    medians
}
