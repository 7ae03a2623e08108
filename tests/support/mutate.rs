//! Mutations for the deterministic fuzz tests: bytes flipped, cut, repeated, spliced,
//! dropped, control bytes and syntax fragments inserted.

use rand::Rng;

/// `input` changed one to seven times; the first `keep` bytes stay as they are (a
/// header byte the check reads), and `bits` are the fragments worth inserting.
pub fn mutate(rng: &mut rand::rngs::StdRng, input: &[u8], bits: &[&[u8]], keep: usize) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.random_range(1..8) {
        if v.len() <= keep {
            v.push(rng.random());
            continue;
        }
        let at = rng.random_range(keep..v.len());
        match rng.random_range(0..6) {
            0 => v[at] = rng.random(),
            1 => v.truncate(at),
            2 => {
                let end = (at + rng.random_range(1..64)).min(v.len());
                let chunk = v[at..end].to_vec();
                let to = rng.random_range(keep..v.len());
                v.splice(to..to, chunk);
            }
            3 => {
                let ins = bits[rng.random_range(0..bits.len())];
                v.splice(at..at, ins.iter().copied());
            }
            4 => {
                let end = (at + rng.random_range(1..256)).min(v.len());
                v.drain(at..end);
            }
            _ => v.insert(at, rng.random_range(0..32)),
        }
    }
    v
}
