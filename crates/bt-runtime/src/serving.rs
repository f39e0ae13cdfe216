//! Neurons publishing their axon and Prometheus endpoints (chain.md §7.4).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bt_primitives::{AccountId, NetUid};
use parity_scale_codec::{Decode, Encode};

use crate::error::Error;
use crate::event::Event;
use crate::hyperparams::ServingRateLimit;
use crate::neurons::uid_of;
use crate::storage::Item;
use crate::{map, Env};

/// A served axon endpoint, as stored and returned to clients.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize,
)]
pub struct AxonInfo {
    /// Block it was served at.
    pub block: u64,
    /// Client version.
    pub version: u32,
    /// IPv4 (in the low 32 bits) or IPv6 address.
    pub ip: u128,
    /// Port.
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// Protocol tag.
    pub protocol: u8,
    /// Reserved.
    pub placeholder1: u8,
    /// Reserved.
    pub placeholder2: u8,
}

/// A served Prometheus endpoint.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Encode, Decode, serde::Serialize, serde::Deserialize,
)]
pub struct PrometheusInfo {
    /// Block it was served at.
    pub block: u64,
    /// Client version.
    pub version: u32,
    /// Address.
    pub ip: u128,
    /// Port.
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
}

map! {
    /// Axon endpoints per (subnet, hotkey).
    Axons: (NetUid, AccountId) => AxonInfo;
    /// Prometheus endpoints per (subnet, hotkey).
    Prometheus: (NetUid, AccountId) => PrometheusInfo;
}

const IPV4_LOOPBACK: u128 = 0x7f00_0001;

/// An address as the chain stores it: the address as a number and its type, 4 or 6.
pub fn encode_ip(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
        IpAddr::V6(v6) => (u128::from(v6), 6),
    }
}

/// The address stored as `ip` of type `ip_type`, if the type is 4 or 6 and the number
/// fits it.
pub fn decode_ip(ip: u128, ip_type: u8) -> Option<IpAddr> {
    match ip_type {
        4 => Some(IpAddr::V4(Ipv4Addr::from(u32::try_from(ip).ok()?))),
        6 => Some(IpAddr::V6(Ipv6Addr::from(ip))),
        _ => None,
    }
}

/// The address checks shared by axons and Prometheus endpoints.
fn check_endpoint(ip: u128, port: u16, ip_type: u8, allow_zero_ip: bool) -> Result<(), Error> {
    let valid_ip = match ip_type {
        4 => ip < u128::from(u32::MAX) && ip != IPV4_LOOPBACK,
        6 => ip != u128::MAX && ip != 1,
        _ => return Err(Error::InvalidIpType),
    };
    if !valid_ip || (ip == 0 && !allow_zero_ip) {
        return Err(Error::InvalidIpAddress);
    }
    if port == 0 {
        return Err(Error::InvalidPort);
    }
    Ok(())
}

/// Whether `last_block` is far enough back for another serve.
fn rate_limit_passed(env: &Env, netuid: NetUid, last_block: u64) -> Result<(), Error> {
    let limit = ServingRateLimit::get(env.state, &netuid);
    if last_block == 0 || limit == 0 || env.block.saturating_sub(last_block) >= limit {
        Ok(())
    } else {
        Err(Error::ServingRateLimitExceeded)
    }
}

/// `serve_axon`, signed by the hotkey.
pub fn serve_axon(
    env: &mut Env,
    hotkey: &AccountId,
    netuid: NetUid,
    mut axon: AxonInfo,
) -> Result<(), Error> {
    uid_of(env.state, netuid, hotkey).ok_or(Error::HotKeyNotRegisteredInSubNet)?;
    check_endpoint(axon.ip, axon.port, axon.ip_type, true)?;
    let previous = Axons::get(env.state, &(netuid, *hotkey));
    rate_limit_passed(env, netuid, previous.block)?;
    axon.block = env.block;
    Axons::insert(env.state, &(netuid, *hotkey), &axon);
    env.events.push(Event::AxonServed { netuid, hotkey: *hotkey });
    Ok(())
}

/// `serve_prometheus`, signed by the hotkey.
pub fn serve_prometheus(
    env: &mut Env,
    hotkey: &AccountId,
    netuid: NetUid,
    mut info: PrometheusInfo,
) -> Result<(), Error> {
    uid_of(env.state, netuid, hotkey).ok_or(Error::HotKeyNotRegisteredInSubNet)?;
    check_endpoint(info.ip, info.port, info.ip_type, false)?;
    let previous = Prometheus::get(env.state, &(netuid, *hotkey));
    rate_limit_passed(env, netuid, previous.block)?;
    info.block = env.block;
    Prometheus::insert(env.state, &(netuid, *hotkey), &info);
    env.events.push(Event::PrometheusServed { netuid, hotkey: *hotkey });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_their_stored_form() {
        for text in ["10.0.0.1", "255.255.255.254", "2001:db8::1", "::ffff:127.0.0.1"] {
            let ip: std::net::IpAddr = text.parse().unwrap();
            let (number, kind) = encode_ip(ip);
            assert_eq!(decode_ip(number, kind), Some(ip));
        }
        assert_eq!(decode_ip(u128::from(u32::MAX) + 1, 4), None);
        assert_eq!(decode_ip(1, 5), None);
    }

    #[test]
    fn endpoint_checks_follow_the_spec() {
        assert_eq!(check_endpoint(0x0a00_0001, 8091, 4, true), Ok(()));
        assert_eq!(check_endpoint(0, 8091, 4, true), Ok(()));
        assert_eq!(check_endpoint(0, 8091, 4, false), Err(Error::InvalidIpAddress));
        assert_eq!(check_endpoint(IPV4_LOOPBACK, 8091, 4, true), Err(Error::InvalidIpAddress));
        assert_eq!(check_endpoint(u128::from(u32::MAX), 8091, 4, true), Err(Error::InvalidIpAddress));
        assert_eq!(check_endpoint(1, 8091, 6, true), Err(Error::InvalidIpAddress));
        assert_eq!(check_endpoint(u128::MAX, 8091, 6, true), Err(Error::InvalidIpAddress));
        assert_eq!(check_endpoint(5, 8091, 5, true), Err(Error::InvalidIpType));
        assert_eq!(check_endpoint(5, 0, 4, true), Err(Error::InvalidPort));
    }
}
