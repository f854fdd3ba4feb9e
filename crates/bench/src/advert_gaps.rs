//! Advert gaps on the wire: a raw IP-protocol-112 socket in a namespace stamps every advert
//! from one router (source `10.88.K.host`, link K) for a while; the gaps between one
//! VRID's consecutive adverts on one link show how late the sender's advert timer fired,
//! for any implementation alike (nothing is asked of the daemon).

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::adverts::Reader;

/// One advert seen: link (the source's third octet), VRID, arrival.
pub type Arrival = (u8, u8, Instant);

/// A capture running in its own thread until [`Capture::finish`].
pub struct Capture {
    seen: Arc<Mutex<Vec<Arrival>>>,
    reader: Reader,
}

impl Capture {
    /// Starts stamping the adverts from `10.88.*.host` that arrive in namespace `ns`.
    pub fn start(ns: &str, host: u8) -> Result<Capture, String> {
        let seen = Arc::new(Mutex::new(Vec::with_capacity(1 << 16)));
        let l = seen.clone();
        let reader = Reader::start(ns, "advert capture", move |pkt, at| {
            if let Some((link, vrid)) = parse(pkt, host) {
                l.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((link, vrid, at));
            }
        })?;
        Ok(Capture { seen, reader })
    }

    /// Stops the capture; what it saw.
    pub fn finish(mut self) -> Vec<Arrival> {
        self.reader.halt();
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The link and VRID of an IPv4 VRRP packet from `10.88.*.host`.
fn parse(pkt: &[u8], host: u8) -> Option<(u8, u8)> {
    if pkt.len() < 20 {
        return None;
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    let src = Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]);
    let o = src.octets();
    if pkt.len() < ihl + 2 || ihl < 20 || o[0] != 10 || o[1] != 88 || o[3] != host {
        return None;
    }
    Some((o[2], pkt[ihl + 1]))
}

/// The gaps (seconds) between consecutive adverts of each (link, VRID), leaving out the
/// links in `skip`.
pub fn gaps(seen: &[Arrival], skip: &[u8]) -> Vec<f64> {
    let mut v: Vec<&Arrival> = seen.iter().filter(|a| !skip.contains(&a.0)).collect();
    v.sort_by_key(|a| (a.0, a.1, a.2));
    v.windows(2)
        .filter(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1))
        .map(|w| w[1].2.duration_since(w[0].2).as_secs_f64())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn gaps_are_per_link_and_vrid() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let seen = [
            (0, 1, ms(0)),
            (0, 2, ms(5)),
            (0, 1, ms(100)),
            (1, 1, ms(50)),
            (0, 2, ms(110)),
            (1, 1, ms(300)),
        ];
        let mut g = gaps(&seen, &[]);
        g.sort_by(f64::total_cmp);
        let g: Vec<u64> = g.iter().map(|s| (s * 1e3).round() as u64).collect();
        assert_eq!(g, [100, 105, 250]);
        assert_eq!(gaps(&seen, &[1]).len(), 2);
    }

    #[test]
    fn only_the_watched_router_s_vrrp_packets_count() {
        let mut p = [0u8; 28];
        p[0] = 0x45;
        p[12..16].copy_from_slice(&[10, 88, 3, 1]);
        p[21] = 42;
        assert_eq!(parse(&p, 1), Some((3, 42)));
        assert_eq!(parse(&p, 2), None);
        assert_eq!(parse(&p[..21], 1), None);
        assert_eq!(parse(&p[..12], 1), None);
    }
}
