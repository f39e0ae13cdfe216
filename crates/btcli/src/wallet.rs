//! `btcli wallet …`.

use anyhow::{bail, Context};
use bittensor::wallet::{KeySource, Wallet};
use bt_primitives::{hex, verify, AccountId, Signature};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::ui::{parse_tao, table, tao};
use crate::{parse_address, Ctx};

#[derive(Subcommand)]
pub enum Command {
    /// Create a coldkey and a hotkey.
    Create(NewKey),
    /// Create a coldkey.
    #[command(alias = "new_coldkey")]
    NewColdkey(NewKey),
    /// Create a hotkey.
    #[command(alias = "new_hotkey")]
    NewHotkey(NewKey),
    /// Restore a coldkey from its mnemonic or seed.
    #[command(alias = "regen_coldkey")]
    RegenColdkey(Regen),
    /// Restore a hotkey from its mnemonic or seed.
    #[command(alias = "regen_hotkey")]
    RegenHotkey(Regen),
    /// List wallets and their keys.
    List,
    /// The wallet's hotkeys and where they are registered.
    Overview,
    /// Free balance and stake of the wallet's coldkey (or of --ss58 addresses).
    Balance {
        /// Show every wallet under the wallet path.
        #[arg(long, short = 'a')]
        all: bool,
        /// Addresses to look up instead of the wallet.
        #[arg(long)]
        ss58: Vec<String>,
    },
    /// Send TAO from the wallet's coldkey.
    Transfer {
        /// Destination address.
        #[arg(long)]
        dest: String,
        /// Amount in TAO.
        #[arg(long, required_unless_present = "all")]
        amount: Option<String>,
        /// Send everything.
        #[arg(long)]
        all: bool,
        /// Allow the coldkey to drop below the existential deposit.
        #[arg(long)]
        allow_death: bool,
    },
    /// Sign a message with the coldkey (or the hotkey).
    Sign {
        /// The message.
        #[arg(long)]
        message: String,
        /// Sign with the hotkey.
        #[arg(long)]
        use_hotkey: bool,
    },
    /// Verify a signature.
    Verify {
        /// The signed message.
        #[arg(long)]
        message: String,
        /// The signature (hex).
        #[arg(long)]
        signature: String,
        /// The signer's SS58 address.
        #[arg(long, visible_alias = "public-key")]
        address: String,
    },
}

#[derive(Args)]
pub struct NewKey {
    /// Mnemonic length: 12, 15, 18, 21 or 24 words.
    #[arg(long, default_value_t = 12)]
    n_words: usize,
    /// Encrypt the key with a password (default for coldkeys).
    #[arg(long, overrides_with = "no_use_password")]
    use_password: bool,
    /// Leave the key unencrypted.
    #[arg(long)]
    no_use_password: bool,
    /// Derive from a URI such as //Alice instead of a fresh mnemonic.
    #[arg(long)]
    uri: Option<String>,
    /// Replace existing keys.
    #[arg(long)]
    overwrite: bool,
}

#[derive(Args)]
pub struct Regen {
    /// The mnemonic (quoted).
    #[arg(long, conflicts_with = "seed")]
    mnemonic: Option<String>,
    /// The 32-byte seed (0x hex).
    #[arg(long)]
    seed: Option<String>,
    /// Encrypt the key with a password.
    #[arg(long)]
    use_password: bool,
    /// Leave the key unencrypted.
    #[arg(long)]
    no_use_password: bool,
    /// Replace existing keys.
    #[arg(long)]
    overwrite: bool,
}

fn source(new: &NewKey) -> KeySource {
    match &new.uri {
        Some(uri) => KeySource::Uri(uri.clone()),
        None => KeySource::Generate(new.n_words),
    }
}

fn new_password(ctx: &Ctx, encrypt: bool) -> anyhow::Result<Option<String>> {
    if !encrypt {
        return Ok(None);
    }
    let password = crate::ui::read_password("Choose a password for the key: ")?;
    if password.len() < 6 {
        bail!("the password must have at least 6 characters");
    }
    if ctx.ui.prompt {
        let again = crate::ui::read_password("Repeat the password: ")?;
        if again != password {
            bail!("the passwords differ");
        }
    }
    Ok(Some(password))
}

fn report_key(ctx: &Ctx, kind: &str, key: &bittensor::wallet::KeyData) {
    let phrase = key.phrase.clone();
    ctx.ui.show(&json!({ "kind": kind, "ss58": key.account.to_ss58(), "mnemonic": phrase }), || {
        let mut text = format!("{kind} {}", key.account);
        if let Some(phrase) = &key.phrase {
            text.push_str(&format!(
                "\nMnemonic (write it down, it is the only way to restore this key):\n  {phrase}"
            ));
        }
        text
    });
}

fn regen_source(regen: &Regen) -> anyhow::Result<KeySource> {
    match (&regen.mnemonic, &regen.seed) {
        (Some(mnemonic), _) => Ok(KeySource::Mnemonic(mnemonic.clone())),
        (None, Some(seed)) => Ok(KeySource::Seed(seed.clone())),
        (None, None) => bail!("give --mnemonic or --seed"),
    }
}

pub async fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    let wallet = &ctx.wallet;
    match command {
        Command::Create(new) => {
            let cold = wallet.create_coldkey(
                &source(&new),
                new_password(ctx, !new.no_use_password)?.as_deref(),
                new.overwrite,
            )?;
            report_key(ctx, "coldkey", &cold);
            let hot = wallet.create_hotkey(&KeySource::Generate(new.n_words), None, new.overwrite)?;
            report_key(ctx, "hotkey", &hot);
        }
        Command::NewColdkey(new) => {
            let key = wallet.create_coldkey(
                &source(&new),
                new_password(ctx, !new.no_use_password)?.as_deref(),
                new.overwrite,
            )?;
            report_key(ctx, "coldkey", &key);
        }
        Command::NewHotkey(new) => {
            let key = wallet.create_hotkey(
                &source(&new),
                new_password(ctx, new.use_password)?.as_deref(),
                new.overwrite,
            )?;
            report_key(ctx, "hotkey", &key);
        }
        Command::RegenColdkey(regen) => {
            let password = new_password(ctx, !regen.no_use_password)?;
            let key = wallet.create_coldkey(&regen_source(&regen)?, password.as_deref(), regen.overwrite)?;
            report_key(ctx, "coldkey", &key.public());
        }
        Command::RegenHotkey(regen) => {
            let password = new_password(ctx, regen.use_password)?;
            let key = wallet.create_hotkey(&regen_source(&regen)?, password.as_deref(), regen.overwrite)?;
            report_key(ctx, "hotkey", &key.public());
        }
        Command::List => list(ctx),
        Command::Overview => overview(ctx).await?,
        Command::Balance { all, ss58 } => balance(ctx, all, ss58).await?,
        Command::Transfer { dest, amount, all, allow_death } => {
            let dest = parse_address(&dest)?;
            let subtensor = ctx.subtensor().await?;
            let from = ctx.coldkeypub()?;
            let free = subtensor.get_balance(&from).await?;
            let amount = match (all, amount) {
                (true, _) => free.saturating_sub(if allow_death { 0 } else { 500 }),
                (false, Some(amount)) => parse_tao(&amount)?,
                (false, None) => bail!("give --amount or --all"),
            };
            if amount > free {
                bail!("not enough balance: {} free, {} asked", tao(free), tao(amount));
            }
            ctx.ui.confirm(&format!("Transfer {} from {from} to {dest}?", tao(amount)))?;
            let coldkey = ctx.coldkey()?;
            let receipt = ctx
                .ui
                .wait("Waiting for inclusion…", subtensor.transfer(&coldkey, &dest, amount, !allow_death))
                .await?;
            ctx.ui.show(
                &json!({ "success": true, "block": receipt.block_number, "amount_rao": amount }),
                || format!("Transferred {} to {dest} in block #{}", tao(amount), receipt.block_number),
            );
        }
        Command::Sign { message, use_hotkey } => {
            let pair = if use_hotkey { ctx.hotkey()? } else { ctx.coldkey()? };
            let signature = hex::encode(&pair.sign(message.as_bytes()).0);
            ctx.ui.show(&json!({ "signer": pair.account().to_ss58(), "signature": signature }), || {
                format!("Signed by {}\n{signature}", pair.account())
            });
        }
        Command::Verify { message, signature, address } => {
            let account = parse_address(&address)?;
            let bytes = hex::decode(&signature).context("the signature must be hex")?;
            let signature: [u8; 64] = bytes
                .try_into()
                .map_err(|b: Vec<u8>| anyhow::anyhow!("a signature has 64 bytes, not {}", b.len()))?;
            let valid = verify(&account, message.as_bytes(), &Signature(signature));
            ctx.ui.show(&json!({ "valid": valid }), || {
                if valid {
                    "Signature is valid".into()
                } else {
                    "Signature is NOT valid".into()
                }
            });
            if !valid {
                bail!("signature does not match");
            }
        }
    }
    Ok(())
}

fn list(ctx: &Ctx) {
    let wallets = Wallet::list(&ctx.wallet.path);
    let mut entries = Vec::new();
    let mut rows = Vec::new();
    for wallet in &wallets {
        let cold = wallet.coldkeypub().map(|a| a.to_ss58()).unwrap_or_else(|_| "?".into());
        let hotkeys: Vec<(String, String)> = wallet
            .hotkey_names()
            .into_iter()
            .map(|name| {
                let hot = Wallet { hotkey: name.clone(), ..wallet.clone() };
                (name, hot.hotkeypub().map(|a| a.to_ss58()).unwrap_or_else(|_| "?".into()))
            })
            .collect();
        rows.push(vec![wallet.name.clone(), "coldkey".into(), cold.clone()]);
        for (name, ss58) in &hotkeys {
            rows.push(vec![String::new(), format!("hotkey {name}"), ss58.clone()]);
        }
        entries.push(json!({ "name": wallet.name, "coldkey": cold, "hotkeys": hotkeys.iter().map(|(n, s)| json!({"name": n, "ss58": s})).collect::<Vec<_>>() }));
    }
    ctx.ui.show(&json!({ "path": ctx.wallet.path, "wallets": entries }), || {
        if rows.is_empty() {
            format!("No wallets in {}", ctx.wallet.path.display())
        } else {
            table(&["wallet", "key", "address"], rows)
        }
    });
}

async fn overview(ctx: &Ctx) -> anyhow::Result<()> {
    let subtensor = ctx.subtensor().await?;
    let cold = ctx.coldkeypub()?;
    let free = subtensor.get_balance(&cold).await?;
    let positions = subtensor.stake_info_for_coldkey(&cold).await?;
    let mut rows = Vec::new();
    let mut entries = Vec::new();
    for name in ctx.wallet.hotkey_names() {
        let wallet = Wallet { hotkey: name.clone(), ..ctx.wallet.clone() };
        let Ok(hotkey) = wallet.hotkeypub() else { continue };
        let stakes: Vec<_> = positions.iter().filter(|p| p.hotkey == hotkey).collect();
        let registered: Vec<u16> = stakes.iter().filter(|p| p.is_registered).map(|p| p.netuid).collect();
        let total: u64 = stakes.iter().map(|p| p.stake).sum();
        rows.push(vec![name.clone(), hotkey.to_ss58(), format!("{registered:?}"), tao(total)]);
        entries.push(json!({ "hotkey": name, "ss58": hotkey.to_ss58(), "stake_rao": total }));
    }
    ctx.ui.show(&json!({ "coldkey": cold.to_ss58(), "free_rao": free, "hotkeys": entries }), || {
        format!(
            "Wallet {} ({cold}): {} free\n{}",
            ctx.wallet.name,
            tao(free),
            table(&["hotkey", "address", "staked on", "stake"], rows)
        )
    });
    Ok(())
}

async fn balance(ctx: &Ctx, all: bool, ss58: Vec<String>) -> anyhow::Result<()> {
    let mut accounts: Vec<(String, AccountId)> = Vec::new();
    for address in ss58 {
        accounts.push((address.clone(), parse_address(&address)?));
    }
    if accounts.is_empty() {
        let wallets = if all { Wallet::list(&ctx.wallet.path) } else { vec![ctx.wallet.clone()] };
        for wallet in wallets {
            let account = wallet.coldkeypub().with_context(|| {
                format!("wallet {:?} (create it with `btcli wallet create`)", wallet.name)
            })?;
            accounts.push((wallet.name.clone(), account));
        }
    }
    let subtensor = ctx.subtensor().await?;
    let mut rows = Vec::new();
    let mut entries = Vec::new();
    for (name, account) in accounts {
        let free = subtensor.get_balance(&account).await?;
        let staked: u64 = subtensor.stake_info_for_coldkey(&account).await?.iter().map(|p| p.stake).sum();
        rows.push(vec![name.clone(), account.to_ss58(), tao(free), tao(staked), tao(free + staked)]);
        entries
            .push(json!({ "name": name, "ss58": account.to_ss58(), "free_rao": free, "staked_rao": staked }));
    }
    ctx.ui.show(&json!({ "balances": entries }), || {
        table(&["wallet", "coldkey", "free", "staked", "total"], rows)
    });
    Ok(())
}
