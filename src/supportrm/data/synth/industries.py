"""Industries, their fictional companies, customer intents and knowledge-base facts.

All text here was written for this project. Company names are invented; any resemblance to a real
business is accidental. Every intent's answer is grounded in exactly one KB fact whose values are
randomised per conversation (see :mod:`supportrm.data.synth.spec`).
"""

from __future__ import annotations

from supportrm.data.synth.spec import Fact, Industry, Intent

S_DAYS = ("3", "5", "7", "10")
M_DAYS = ("14", "21", "30", "45")
L_DAYS = ("60", "90", "120", "180")
B_DAYS = ("2", "3", "5", "7")  # business days
HOURS = ("24", "48", "72")
SMALL_FEE = ("$4.99", "$6.99", "$7.50", "$9.99")
MID_FEE = ("$15", "$25", "$35", "$40")
BIG_FEE = ("$75", "$99", "$150", "$200")
PCT = ("10%", "15%", "20%", "25%")
TIMES = ("8am", "9am", "10am")
CLOSE = ("5pm", "6pm", "8pm", "10pm")
WEEK = ("Monday to Friday", "Monday to Saturday", "every day")
COUNT = ("2", "3", "4", "5")
PLAN = ("Basic", "Plus", "Pro", "Premium")
PRICE = ("$8", "$12", "$19", "$29")


def I(  # noqa: E743 - a compact constructor keeps the content tables readable
    key: str,
    topic: str,
    kb: str,
    say: tuple[str, ...],
    asks: tuple[str, ...],
    steps: tuple[str, ...],
    slots: dict[str, tuple[str, ...]],
    vague: str,
) -> Intent:
    return Intent(key, topic, Fact(key, kb, say, slots), asks, steps, vague)


def F(key: str, kb: str, say: tuple[str, ...], slots: dict[str, tuple[str, ...]]) -> Fact:
    return Fact(key, kb, say, slots)


def _general(team: str, channel: str) -> tuple[Fact, ...]:
    """KB facts every company has (hours, escalation, a promotion); they fill out the KB and are the
    pool that hallucinated 'extra policies' are drawn from."""
    return (
        F(
            "hours",
            "Support hours: {open} to {close}, {week}.",
            (
                "our support team is available from {open} to {close}, {week}",
                "you can reach a person from {open} to {close}, {week}",
            ),
            {"open": TIMES, "close": CLOSE, "week": WEEK},
        ),
        F(
            "escalation",
            "Escalation: unresolved cases go to the " + team + " within {bdays} business days.",
            (
                "if this isn't resolved, it goes to the " + team + " within {bdays} business days",
                "unresolved cases are escalated to the " + team + " within {bdays} business days",
            ),
            {"bdays": B_DAYS},
        ),
        F(
            "promo",
            "Current promotion: {pct} off for customers who sign up for " + channel + " updates.",
            (
                "you can get {pct} off by signing up for " + channel + " updates",
                "there's currently {pct} off when you sign up for " + channel + " updates",
            ),
            {"pct": PCT},
        ),
        F(
            "loyalty",
            "Loyalty: members earn {count} points per dollar; points expire after {ldays} days.",
            (
                "members earn {count} points per dollar, and points expire after {ldays} days",
                "you earn {count} points per dollar as a member; they expire after {ldays} days",
            ),
            {"count": COUNT, "ldays": L_DAYS},
        ),
    )


RETAIL = Industry(
    "retail",
    "an online clothing and footwear store",
    ("Northwind Outfitters", "Larkspur & Co", "Bramble Street", "Copperfox Apparel"),
    ("jacket", "pair of boots", "sweater", "backpack", "dress", "pair of jeans"),
    "order number",
    "#NW",
    (
        I(
            "return_item",
            "returning an item",
            "Returns: unused items can be returned within {days} days of delivery for a full refund.",
            (
                "unused items can be returned within {days} days of delivery for a full refund",
                "you have {days} days from delivery to return an unused item for a full refund",
            ),
            (
                "can I still return the {item} I bought?",
                "how long do I have to send back a {item} that doesn't fit?",
                "I want to return my {item}, what are the rules?",
            ),
            (
                "Go to Orders, select the {item} and choose Return item; a prepaid label is emailed to you.",
                "Open the order in your account, click Return, and drop the parcel at any post office with the label we email you.",
            ),
            {"days": M_DAYS},
            "I have a problem with something I ordered",
        ),
        I(
            "exchange_size",
            "exchanging for another size",
            "Exchanges: one free size exchange per item within {days} days; further exchanges cost {fee}.",
            (
                "you get one free size exchange per item within {days} days, and further exchanges cost {fee}",
                "the first size exchange within {days} days is free, after that it's {fee} per exchange",
            ),
            (
                "the {item} is too small, can I swap it for a bigger size?",
                "how do I exchange my {item} for a different size?",
                "do exchanges cost anything? my {item} doesn't fit",
            ),
            (
                "Choose Exchange on the order page, pick the new size, and send the original back with the label provided.",
                "In your account open the order, select Exchange size, and we'll ship the new size once the original is scanned.",
            ),
            {"days": M_DAYS, "fee": SMALL_FEE},
            "the {item} I got doesn't fit",
        ),
        I(
            "late_delivery",
            "a late delivery",
            "Delivery: standard shipping takes {bdays} business days; orders later than that can be traced by the courier team.",
            (
                "standard shipping takes {bdays} business days",
                "standard orders arrive within {bdays} business days",
            ),
            (
                "where is my {item}? it still hasn't arrived",
                "my order is late, when will the {item} get here?",
                "how long does standard delivery take? still waiting on my {item}",
            ),
            (
                "If it's past that, reply with a photo of your shipping confirmation and we'll open a courier trace today.",
                "Use the Track order link in your confirmation email; if it shows no movement for two days, we'll open a trace with the courier.",
            ),
            {"bdays": B_DAYS},
            "my order still hasn't shown up",
        ),
        I(
            "damaged_item",
            "a damaged item",
            "Damaged items: report within {hours} hours of delivery with a photo for a free replacement.",
            (
                "damaged items reported within {hours} hours of delivery with a photo get a free replacement",
                "if you send a photo within {hours} hours of delivery, we replace damaged items for free",
            ),
            (
                "my {item} arrived ripped, what can I do?",
                "the {item} came damaged, can I get a new one?",
                "got a damaged {item} today, is there a replacement?",
            ),
            (
                "Upload the photo under Orders > Report a problem and pick Replacement; the new one ships the same day.",
                "Reply here with a clear photo of the damage and the packaging, and I'll start the replacement.",
            ),
            {"hours": HOURS},
            "something is wrong with the {item} I received",
        ),
        I(
            "shipping_cost",
            "shipping costs",
            "Shipping: free on orders over {price}; otherwise a flat {fee}.",
            (
                "shipping is free on orders over {price}, otherwise it's a flat {fee}",
                "orders over {price} ship free; smaller orders pay a flat {fee}",
            ),
            (
                "how much is shipping for a {item}?",
                "do you have free shipping? thinking of ordering a {item}",
                "why was I charged for shipping on my {item}?",
            ),
            (
                "You can see the shipping line in the basket before you pay, and adding items to pass the threshold removes it.",
                "The basket shows the shipping charge before checkout, so you can add items to reach the free threshold.",
            ),
            {"price": ("$50", "$60", "$70", "$80"), "fee": SMALL_FEE},
            "I have a question about shipping",
        ),
        I(
            "price_match",
            "price adjustments",
            "Price adjustment: if an item drops in price within {days} days of purchase, the difference is refunded once.",
            (
                "if an item drops in price within {days} days of purchase, we refund the difference once",
                "price drops within {days} days of purchase are refunded once",
            ),
            (
                "the {item} I bought is cheaper now, can I get the difference back?",
                "do you refund the difference if the price of my {item} goes down?",
                "I saw my {item} on sale right after I bought it, is there a price adjustment?",
            ),
            (
                "Send the order number and a screenshot of the new price through Help > Price adjustment and it's credited to your card.",
                "Use the Price adjustment form in Help with a screenshot of the lower price; the refund goes back to your original card.",
            ),
            {"days": (*S_DAYS, "14")},
            "the price changed after I ordered",
        ),
    ),
    _general("customer care leads", "email"),
    ("issue a refund", "issued the refund", "returns team"),
)

TELECOM = Industry(
    "telecom",
    "a mobile and home internet provider",
    ("Skylink Mobile", "Parallax Telecom", "Bluewave Wireless", "Nimbus Connect"),
    ("phone", "router", "SIM card", "mobile plan", "internet line"),
    "account number",
    "AC-",
    (
        I(
            "roaming",
            "roaming charges",
            "Roaming: the travel pass costs {fee} per day and includes {count} GB of data.",
            (
                "the travel pass costs {fee} per day and includes {count} GB of data",
                "roaming is {fee} a day with the travel pass, which includes {count} GB",
            ),
            (
                "how much does it cost to use my {item} abroad?",
                "I'm travelling next week, what are the roaming charges?",
                "will I be charged for data on my {item} when I'm overseas?",
            ),
            (
                "Turn on the travel pass in the app under Plan > Add-ons before you leave, and it only charges on days you use data abroad.",
                "Add the travel pass in the app before the trip; it bills only on the days you actually use your phone abroad.",
            ),
            {"fee": SMALL_FEE, "count": COUNT},
            "I'm going abroad soon and have a question",
        ),
        I(
            "data_overage",
            "extra data charges",
            "Data overage: each extra GB costs {fee}; a usage alert is sent at {pct} remaining.",
            (
                "each extra GB costs {fee}, and we send an alert when {pct} of your data is left",
                "extra data is {fee} per GB, with an alert at {pct} remaining",
            ),
            (
                "why is my bill higher this month? I think I used extra data",
                "how much do you charge when I go over my data?",
                "I got charged for extra data, how does that work?",
            ),
            (
                "You can cap usage in the app under Usage > Data limit so you're never charged for extra GB.",
                "Set a data cap in the app under Usage so your line stops before any extra GB is billed.",
            ),
            {"fee": SMALL_FEE, "pct": PCT},
            "my bill looks wrong this month",
        ),
        I(
            "plan_upgrade",
            "upgrading a plan",
            "Plans: the {plan} plan costs {price} per month; upgrades apply from the next billing day.",
            (
                "the {plan} plan is {price} a month, and upgrades start from your next billing day",
                "upgrading to {plan} costs {price} per month, applied from the next billing day",
            ),
            (
                "how much is the {plan} plan and when would it start?",
                "I want more data, can I move to {plan}?",
                "what does it cost to upgrade my {item} to the {plan} plan?",
            ),
            (
                "Go to Plan > Change plan in the app, pick {plan} and confirm; nothing changes until your billing day.",
                "Pick {plan} under Plan > Change plan and confirm, and the new allowance starts on your billing day.",
            ),
            {"plan": PLAN, "price": PRICE},
            "I'm thinking about changing my plan",
        ),
        I(
            "router_reset",
            "a broken internet connection",
            "Internet outages: a router restart fixes most issues; if not, an engineer visit is booked within {bdays} business days.",
            (
                "a router restart fixes most drops, and if it doesn't we book an engineer within {bdays} business days",
                "most outages clear with a router restart; otherwise an engineer comes out within {bdays} business days",
            ),
            (
                "my internet keeps dropping, what do I do?",
                "the {item} has no connection since this morning",
                "wifi is down again, can you send someone?",
            ),
            (
                "Unplug the {item} for 30 seconds, plug it back in and wait for the light to turn solid white before testing.",
                "Hold the reset button on the back of the {item} for 10 seconds and wait five minutes for it to reconnect.",
            ),
            {"bdays": B_DAYS},
            "my internet isn't working",
        ),
        I(
            "unlock_phone",
            "unlocking a phone",
            "Unlocking: phones can be unlocked for free after {days} days of active service.",
            (
                "phones can be unlocked for free once they've had {days} days of active service",
                "after {days} days of active service, unlocking is free",
            ),
            (
                "can you unlock my {item} so I can use another carrier?",
                "how do I get my {item} unlocked?",
                "is unlocking free? I want to switch SIMs",
            ),
            (
                "Request it under Device > Unlock in the app; the code arrives by text within a day.",
                "Submit the unlock request in the app under Device, and you'll get the unlock code by text.",
            ),
            {"days": ("30", "45", "60", "90")},
            "I want to use my phone with another network",
        ),
        I(
            "cancel_contract",
            "cancelling a contract",
            "Cancellation: {days} days' notice; early cancellation within a contract costs {fee}.",
            (
                "we need {days} days' notice, and leaving early within a contract costs {fee}",
                "cancelling needs {days} days' notice, plus a {fee} early-exit fee if you're still in contract",
            ),
            (
                "how do I cancel my {item}? what will it cost?",
                "I'm moving, can I end my contract early?",
                "what's the fee to cancel before my contract ends?",
            ),
            (
                "Start it in the app under Account > Cancel service, and the final bill shows any fee before you confirm.",
                "Use Account > Cancel service; you'll see the exact end date and fee before confirming.",
            ),
            {"days": ("14", "30"), "fee": BIG_FEE},
            "I might want to leave",
        ),
    ),
    _general("complaints team", "text"),
    ("apply a bill credit", "applied a bill credit", "billing team"),
)

BANKING = Industry(
    "banking",
    "a retail bank",
    ("Harbourline Bank", "Crestmoor Savings", "Tidewell Bank", "Ashgrove Credit Union"),
    ("debit card", "checking account", "savings account", "credit card"),
    "customer ID",
    "C",
    (
        I(
            "card_replacement",
            "replacing a card",
            "Card replacement: a new card arrives in {bdays} business days; express delivery costs {fee}.",
            (
                "a replacement card arrives in {bdays} business days, or you can pay {fee} for express delivery",
                "new cards take {bdays} business days; express delivery is {fee}",
            ),
            (
                "my {item} is worn out, how do I get a new one?",
                "how long does a replacement {item} take?",
                "the chip on my {item} stopped working, can you send another?",
            ),
            (
                "Order it in the app under Cards > Replace card; your current card keeps working until you activate the new one.",
                "Tap Cards > Replace card in the app and confirm your address; the old card works until the new one is activated.",
            ),
            {"bdays": ("3", "5", "7"), "fee": MID_FEE},
            "I have an issue with my card",
        ),
        I(
            "overdraft_fee",
            "overdraft fees",
            "Overdraft: a {fee} fee applies when the balance goes below zero by more than {small}.",
            (
                "a {fee} overdraft fee applies when you go more than {small} below zero",
                "we charge {fee} if the balance drops more than {small} below zero",
            ),
            (
                "why did I get an overdraft fee on my {item}?",
                "how much is the overdraft charge?",
                "I went slightly negative, will I be charged?",
            ),
            (
                "You can turn on low-balance alerts under Settings > Alerts so you're warned before it happens.",
                "Set a low-balance alert in Settings > Alerts, and link savings as overdraft cover to avoid the fee.",
            ),
            {"fee": MID_FEE, "small": ("$5", "$10", "$20")},
            "there's a fee on my statement",
        ),
        I(
            "wire_transfer",
            "international transfers",
            "International transfers: {fee} per transfer, arriving in {bdays} business days.",
            (
                "international transfers cost {fee} each and arrive in {bdays} business days",
                "sending money abroad is {fee} per transfer, and it takes {bdays} business days",
            ),
            (
                "how much does it cost to send money abroad?",
                "I need to wire money to my family overseas, how long does it take?",
                "what's the fee for an international transfer from my {item}?",
            ),
            (
                "Use Payments > International in the app and add the recipient's IBAN and SWIFT code.",
                "In the app choose Payments > International, enter the IBAN and SWIFT code, and confirm with your passcode.",
            ),
            {"fee": MID_FEE, "bdays": ("1", "2", "3")},
            "I need to send money to another country",
        ),
        I(
            "savings_rate",
            "savings interest",
            "Savings: the savings account pays {pct2} a year, paid monthly; no minimum balance.",
            (
                "the savings account pays {pct2} a year, paid monthly, with no minimum balance",
                "savings earn {pct2} a year, paid out monthly, and there's no minimum balance",
            ),
            (
                "what interest does the {item} pay?",
                "is there a minimum to open a savings account?",
                "how often is interest paid on savings?",
            ),
            (
                "You can open one in the app under Accounts > Add account in about two minutes.",
                "Open it in the app under Accounts > Add account; money moves over instantly from checking.",
            ),
            {"pct2": ("2.1%", "3.4%", "3.9%", "4.5%")},
            "I'm thinking of saving more",
        ),
        I(
            "atm_fee",
            "ATM fees",
            "ATMs: free at partner ATMs; other ATMs cost {fee} per withdrawal.",
            (
                "partner ATMs are free, and other ATMs cost {fee} per withdrawal",
                "withdrawals are free at partner ATMs and {fee} elsewhere",
            ),
            (
                "why was I charged at the ATM?",
                "do I pay to take cash out with my {item}?",
                "how much are ATM fees?",
            ),
            (
                "The ATM map in the app shows partner machines near you.",
                "Open Cards > ATM finder in the app to see partner ATMs nearby.",
            ),
            {"fee": ("$2", "$2.50", "$3", "$3.50")},
            "I got a charge after taking out cash",
        ),
        I(
            "mobile_deposit",
            "mobile check deposits",
            "Mobile deposit: checks up to {limit} per day; funds available in {bdays} business days.",
            (
                "you can deposit checks up to {limit} a day, available in {bdays} business days",
                "mobile deposits are limited to {limit} a day and clear in {bdays} business days",
            ),
            (
                "how do I deposit a check with my phone?",
                "is there a limit on mobile check deposits?",
                "when will a check I deposited in the app clear?",
            ),
            (
                "Choose Deposit in the app, photograph the front and back, and write 'for mobile deposit' under your signature.",
                "Tap Deposit, take photos of both sides of the signed check, and keep the paper check for two weeks.",
            ),
            {"limit": ("$2,500", "$5,000", "$10,000"), "bdays": ("1", "2", "3")},
            "I have a check to deposit",
        ),
    ),
    _general("resolution team", "email"),
    ("reverse a fee", "reversed the fee", "fees team"),
)

SAAS = Industry(
    "saas",
    "a project-management software company",
    ("Taskforge", "Planwise", "Orbitly", "Kanbanly"),
    ("workspace", "project board", "team account", "integration"),
    "workspace ID",
    "ws-",
    (
        I(
            "seat_pricing",
            "adding users",
            "Pricing: the {plan} plan is {price} per user per month; seats added mid-cycle are prorated.",
            (
                "the {plan} plan is {price} per user per month, and seats added mid-cycle are prorated",
                "{plan} costs {price} per user each month, prorated for seats added mid-cycle",
            ),
            (
                "how much to add three people to my {item}?",
                "what does it cost per user on {plan}?",
                "if I add a user halfway through the month, do I pay for the full month?",
            ),
            (
                "Add people under Settings > Members > Invite; the prorated amount appears on your next invoice.",
                "Invite them from Settings > Members, and the next invoice shows the prorated charge.",
            ),
            {"plan": PLAN, "price": PRICE},
            "I have a billing question about users",
        ),
        I(
            "export_data",
            "exporting data",
            "Exports: admins can export all projects as CSV or JSON; exports over {count} GB are emailed as a link.",
            (
                "admins can export all projects as CSV or JSON, and exports over {count} GB are emailed as a link",
                "any admin can export everything as CSV or JSON; anything over {count} GB arrives as an emailed link",
            ),
            (
                "how do I export everything from my {item}?",
                "can I download all our projects as a spreadsheet?",
                "we're migrating, how do we get our data out?",
            ),
            (
                "Go to Settings > Data > Export, pick the format and click Start export.",
                "Open Settings > Data > Export as an admin and choose CSV or JSON.",
            ),
            {"count": COUNT},
            "we need our data",
        ),
        I(
            "sso_setup",
            "single sign-on",
            "SSO: SAML single sign-on is included from the {plan} plan up; setup takes about {mins} minutes.",
            (
                "SAML single sign-on is included from the {plan} plan up, and setup takes about {mins} minutes",
                "SSO comes with {plan} and above, and takes roughly {mins} minutes to set up",
            ),
            (
                "do you support SSO for our {item}?",
                "how do we set up single sign-on?",
                "which plan do we need for SAML login?",
            ),
            (
                "An admin can turn it on under Settings > Security > SSO and paste in your identity provider's metadata URL.",
                "In Settings > Security > SSO, upload your identity provider metadata and test with one account before enforcing.",
            ),
            {"plan": PLAN, "mins": ("10", "15", "20", "30")},
            "we want to change how people log in",
        ),
        I(
            "trial_extend",
            "trial length",
            "Trials: {days} days free; one extension of {sdays} days on request.",
            (
                "trials are {days} days free, and you can ask for one {sdays}-day extension",
                "the free trial lasts {days} days, with one extension of {sdays} days on request",
            ),
            (
                "can I get more time on my trial?",
                "our trial ends tomorrow and we haven't finished testing the {item}",
                "how long is the free trial?",
            ),
            (
                "Reply here with your workspace name and I'll submit the extension request.",
                "Use Billing > Request extension in the workspace settings and it's applied right away.",
            ),
            {"days": ("7", "14", "30"), "sdays": S_DAYS},
            "our trial is almost over",
        ),
        I(
            "restore_deleted",
            "restoring deleted work",
            "Trash: deleted projects stay in Trash for {days} days and can be restored by any admin.",
            (
                "deleted projects stay in Trash for {days} days and any admin can restore them",
                "anything deleted sits in Trash for {days} days, and an admin can bring it back",
            ),
            (
                "I accidentally deleted a {item}, can I get it back?",
                "someone removed our {item}, is it gone forever?",
                "how do I restore a deleted project?",
            ),
            (
                "Open Trash from the sidebar, find the {item} and click Restore.",
                "Go to the sidebar > Trash, select the project and choose Restore; comments and files come back too.",
            ),
            {"days": M_DAYS},
            "I think I deleted something by mistake",
        ),
        I(
            "api_limits",
            "API rate limits",
            "API: {rate} requests per minute per token; exceeding it returns HTTP 429.",
            (
                "the API allows {rate} requests per minute per token, and going over returns HTTP 429",
                "each token gets {rate} requests per minute; above that you'll get a 429",
            ),
            (
                "our {item} keeps getting 429 errors",
                "what is the API rate limit?",
                "why is the API rejecting our requests?",
            ),
            (
                "Retry after the number of seconds in the Retry-After header, or spread calls across a second token.",
                "Back off using the Retry-After header and batch updates with the bulk endpoint.",
            ),
            {"rate": ("60", "100", "300", "600")},
            "our integration is failing",
        ),
    ),
    _general("account management team", "newsletter"),
    ("apply a service credit", "applied a service credit", "billing team"),
)

AIRLINE = Industry(
    "airline",
    "an airline",
    ("Aerolume Airways", "Cirrus Pacific", "Meridian Air", "Kestrel Airlines"),
    ("flight", "booking", "checked bag", "seat"),
    "booking reference",
    "",
    (
        I(
            "baggage_fee",
            "baggage fees",
            "Baggage: the first checked bag costs {fee}; bags over {kg} kg pay an extra {fee2}.",
            (
                "the first checked bag is {fee}, and bags over {kg} kg cost an extra {fee2}",
                "checking a bag costs {fee}, plus {fee2} if it weighs more than {kg} kg",
            ),
            (
                "how much is a checked bag on my {item}?",
                "what's the weight limit for bags?",
                "do I pay for luggage on this {item}?",
            ),
            (
                "Add the bag under Manage booking > Extras; it's cheaper than paying at the airport.",
                "Add it online in Manage booking before check-in, since airport prices are higher.",
            ),
            {"fee": MID_FEE, "kg": ("20", "23", "25"), "fee2": ("$50", "$60", "$75")},
            "I have a question about luggage",
        ),
        I(
            "change_flight",
            "changing a flight",
            "Changes: flight changes cost {fee} plus any fare difference, up to {hours} hours before departure.",
            (
                "changes cost {fee} plus any fare difference, up to {hours} hours before departure",
                "you can change up to {hours} hours before departure for {fee} plus the fare difference",
            ),
            (
                "can I move my {item} to a later date?",
                "how much does it cost to change my flight?",
                "I need to fly a day earlier, is that possible?",
            ),
            (
                "Use Manage booking > Change flight, pick the new date and you'll see the total before paying.",
                "In Manage booking choose Change flight; the price shown already includes the fare difference.",
            ),
            {"fee": ("$50", "$75", "$100"), "hours": ("2", "3", "24")},
            "my plans changed",
        ),
        I(
            "delay_compensation",
            "delay compensation",
            "Delays: flights delayed over {hours} hours get a {credit} travel credit; claims within {days} days.",
            (
                "delays over {hours} hours qualify for a {credit} travel credit if you claim within {days} days",
                "if the delay was more than {hours} hours you get a {credit} credit, claimed within {days} days",
            ),
            (
                "my {item} was delayed for ages, do I get anything?",
                "is there compensation for a delayed flight?",
                "we sat at the gate forever yesterday, what are you going to do about it?",
            ),
            (
                "Submit the claim under Help > Delay claim with your booking reference.",
                "Fill in the Delay claim form under Help; the credit lands in your account within a week.",
            ),
            {"hours": ("2", "3", "4"), "credit": ("$100", "$150", "$200"), "days": M_DAYS},
            "my flight yesterday was a mess",
        ),
        I(
            "seat_selection",
            "choosing seats",
            "Seats: standard seat selection costs {fee}; free seats are assigned at check-in, {hours} hours before departure.",
            (
                "picking a standard seat costs {fee}, or free seats are assigned at check-in {hours} hours before departure",
                "seat selection is {fee}; otherwise we assign one free at check-in, which opens {hours} hours before",
            ),
            (
                "can I pick a window seat on my {item}?",
                "do I have to pay to sit next to my partner?",
                "when can I choose my seat?",
            ),
            (
                "Open Manage booking > Seats and pick from the map.",
                "Choose your seat under Manage booking > Seats, or check in online when it opens.",
            ),
            {"fee": ("$12", "$15", "$20"), "hours": ("24", "36", "48")},
            "I have a question about seats",
        ),
        I(
            "lost_bag",
            "a lost bag",
            "Lost bags: file a report within {hours} hours; most bags are returned within {days} days.",
            (
                "lost bags should be reported within {hours} hours, and most come back within {days} days",
                "file the report within {hours} hours; most bags are found and returned within {days} days",
            ),
            (
                "my {item} never came out at the carousel",
                "you lost my luggage, what now?",
                "how do I report a missing bag?",
            ),
            (
                "File it under Help > Baggage report with your bag tag number, and you'll get tracking updates by email.",
                "Use the Baggage report form with the tag number from your boarding pass; updates come by text.",
            ),
            {"hours": HOURS, "days": S_DAYS},
            "my bag didn't arrive",
        ),
        I(
            "pet_travel",
            "travelling with a pet",
            "Pets: small pets in the cabin cost {fee} each way; carrier must fit under the seat, max {kg} kg total.",
            (
                "small pets can fly in the cabin for {fee} each way, up to {kg} kg including the carrier",
                "cabin pets cost {fee} each way, and the pet plus carrier must weigh {kg} kg or less",
            ),
            (
                "can my cat come with me on the {item}?",
                "what's the charge to bring a small dog?",
                "how do I book a pet on my flight?",
            ),
            (
                "Add the pet under Manage booking > Special requests at least two days before flying.",
                "Request it in Manage booking > Special requests; we confirm space by email.",
            ),
            {"fee": ("$95", "$125", "$150"), "kg": ("7", "8", "10")},
            "I want to travel with my pet",
        ),
    ),
    _general("customer relations team", "email"),
    ("refund a fare", "refunded the fare", "refunds desk"),
)

FOOD = Industry(
    "food_delivery",
    "a food delivery app",
    ("Snackrun", "Forkful", "DashPlate", "Munchly"),
    ("order", "pizza", "grocery order", "lunch order"),
    "order number",
    "#",
    (
        I(
            "missing_items",
            "missing items",
            "Missing items: report within {hours} hours for a refund of those items to the original payment method.",
            (
                "missing items reported within {hours} hours are refunded to your original payment method",
                "report missing items within {hours} hours and they're refunded to the card you paid with",
            ),
            (
                "half my {item} is missing",
                "the drinks weren't in my {item}, can I get a refund?",
                "I didn't get everything I paid for",
            ),
            (
                "Open the order, tap Help > Missing items and tick what didn't arrive.",
                "In the app go to Orders > Help > Missing items and select the missing dishes.",
            ),
            {"hours": ("24", "48")},
            "something is wrong with my delivery",
        ),
        I(
            "delivery_fee",
            "delivery fees",
            "Delivery fee: {fee} per order; free for members on orders over {price}.",
            (
                "the delivery fee is {fee}, and it's free for members on orders over {price}",
                "we charge {fee} per delivery, waived for members when the order is over {price}",
            ),
            (
                "why is there a delivery fee on my {item}?",
                "how much do you charge for delivery?",
                "is delivery ever free?",
            ),
            (
                "Membership can be started under Account > Membership, and the basket shows the fee before you pay.",
                "You can join under Account > Membership; the checkout screen always shows the fee first.",
            ),
            {"fee": ("$1.99", "$2.99", "$3.99"), "price": ("$15", "$20", "$25")},
            "I have a question about fees",
        ),
        I(
            "late_order",
            "a late order",
            "Late orders: orders arriving over {mins} minutes after the estimate get a {credit} credit.",
            (
                "orders more than {mins} minutes late get a {credit} credit",
                "if it arrives over {mins} minutes after the estimate, you receive a {credit} credit",
            ),
            (
                "my {item} is super late, where is it?",
                "it's been forever, the driver hasn't moved",
                "do I get anything if my food is really late?",
            ),
            (
                "The live map in the order screen shows the driver; the credit is added automatically once it's delivered.",
                "Check the live tracker in the app; any credit is applied automatically after delivery.",
            ),
            {"mins": ("15", "20", "30"), "credit": ("$3", "$5", "$7")},
            "my food hasn't come",
        ),
        I(
            "wrong_order",
            "a wrong order",
            "Wrong orders: a full refund or a free redelivery, reported within {hours} hours with a photo.",
            (
                "wrong orders reported within {hours} hours with a photo get a full refund or a free redelivery",
                "send a photo within {hours} hours and we'll either refund it in full or redeliver for free",
            ),
            (
                "I got someone else's {item}",
                "this isn't what I ordered",
                "the restaurant sent the wrong food, what can you do?",
            ),
            (
                "Tap Help > Wrong order in the app, add the photo and choose refund or redelivery.",
                "Report it under Orders > Help > Wrong order with a photo, then pick refund or redelivery.",
            ),
            {"hours": ("2", "12", "24")},
            "my delivery is wrong",
        ),
        I(
            "tip_change",
            "changing a tip",
            "Tips: tips can be changed for {hours} hours after delivery and go 100% to the driver.",
            (
                "tips can be changed for {hours} hours after delivery, and 100% goes to the driver",
                "you can adjust the tip for {hours} hours after delivery; drivers get all of it",
            ),
            (
                "can I change the tip on my {item}?",
                "I want to tip my driver more, how?",
                "does the driver get the whole tip?",
            ),
            (
                "Open the order in Orders and tap Edit tip.",
                "Go to Orders, select the delivery and choose Edit tip.",
            ),
            {"hours": ("2", "24", "48")},
            "I have a question about tipping",
        ),
        I(
            "schedule_order",
            "scheduling an order",
            "Scheduled orders: can be placed up to {days} days ahead and cancelled free until {mins} minutes before.",
            (
                "you can schedule orders up to {days} days ahead and cancel free until {mins} minutes before",
                "orders can be scheduled {days} days in advance, with free cancellation up to {mins} minutes before",
            ),
            (
                "can I order lunch for Friday now?",
                "how far ahead can I schedule a delivery?",
                "if I schedule an order can I still cancel it?",
            ),
            (
                "At checkout tap Delivery time > Schedule and pick the slot.",
                "Choose Schedule at checkout and select the date and time window.",
            ),
            {"days": ("3", "5", "7"), "mins": ("30", "45", "60")},
            "I want to order ahead",
        ),
    ),
    _general("support leads", "app"),
    ("refund an order", "refunded the order", "refunds team"),
)

INSURANCE = Industry(
    "insurance",
    "a car and home insurer",
    ("Shieldmark Insurance", "Evergate Mutual", "Keystone Cover", "Halcyon Insure"),
    ("car policy", "home policy", "claim", "renters policy"),
    "policy number",
    "PL-",
    (
        I(
            "file_claim",
            "filing a claim",
            "Claims: file within {days} days of the incident; an adjuster contacts you within {bdays} business days.",
            (
                "claims must be filed within {days} days of the incident, and an adjuster contacts you within {bdays} business days",
                "you have {days} days to file, and an adjuster will call within {bdays} business days",
            ),
            (
                "someone hit my car, how do I make a claim?",
                "how long do I have to file a claim on my {item}?",
                "a pipe burst at home, what do I do?",
            ),
            (
                "Start it under Claims > New claim in the app and upload photos of the damage.",
                "Open Claims > New claim, add photos and any police report number.",
            ),
            {"days": M_DAYS, "bdays": B_DAYS},
            "something happened and I need to use my insurance",
        ),
        I(
            "deductible",
            "the deductible",
            "Deductible: the standard deductible is {fee}; the {plan} tier lowers it to {fee2}.",
            (
                "the standard deductible is {fee}, and the {plan} tier lowers it to {fee2}",
                "you pay a {fee} deductible, or {fee2} on the {plan} tier",
            ),
            (
                "how much is my deductible on the {item}?",
                "can I lower my deductible?",
                "what do I pay out of pocket for a claim?",
            ),
            (
                "You can switch tiers under Policy > Coverage; the new premium is shown before you confirm.",
                "Change it in Policy > Coverage, which shows the new monthly premium first.",
            ),
            {"fee": ("$500", "$750", "$1,000"), "plan": PLAN, "fee2": ("$100", "$250", "$300")},
            "I'm confused about what I'd pay",
        ),
        I(
            "add_driver",
            "adding a driver",
            "Drivers: adding a driver takes effect immediately; drivers under {age} add {pct} to the premium.",
            (
                "new drivers are covered immediately, and drivers under {age} add {pct} to the premium",
                "adding a driver is immediate; if they're under {age}, the premium goes up {pct}",
            ),
            (
                "can I add my son to my {item}?",
                "how do I add another driver?",
                "will adding my daughter change the price?",
            ),
            (
                "Add them under Policy > Drivers with their licence number.",
                "Go to Policy > Drivers and enter their licence details.",
            ),
            {"age": ("21", "25"), "pct": PCT},
            "I want to change who is on my policy",
        ),
        I(
            "cancel_policy",
            "cancelling a policy",
            "Cancellation: free within {days} days of purchase; after that unused premium is refunded minus a {fee} fee.",
            (
                "cancelling within {days} days of purchase is free; after that you get unused premium back minus a {fee} fee",
                "there's no charge to cancel in the first {days} days, then a {fee} fee is taken from the refund",
            ),
            (
                "how do I cancel my {item}?",
                "I found cheaper insurance, what happens if I cancel?",
                "is there a fee to end my policy?",
            ),
            (
                "Use Policy > Cancel in your account, and the refund amount is shown before you confirm.",
                "Choose Policy > Cancel; the screen shows the refund before you finish.",
            ),
            {"days": ("14", "30"), "fee": MID_FEE},
            "I'm thinking of leaving",
        ),
        I(
            "roadside",
            "roadside assistance",
            "Roadside assistance: included on {plan} and above; up to {count} call-outs per year.",
            (
                "roadside assistance comes with {plan} and above, with up to {count} call-outs a year",
                "{plan} and higher include roadside help, {count} call-outs per year",
            ),
            (
                "my car broke down, am I covered for a tow?",
                "does my {item} include roadside help?",
                "how many times can I call for a breakdown?",
            ),
            (
                "Call the number on the back of your card or tap Roadside in the app to share your location.",
                "Tap Roadside in the app and it sends your location to the nearest truck.",
            ),
            {"plan": PLAN, "count": COUNT},
            "I'm stuck on the road",
        ),
        I(
            "proof_insurance",
            "proof of insurance",
            "Documents: proof of insurance is available in the app instantly; printed copies arrive in {bdays} business days.",
            (
                "your proof of insurance is in the app right away, and printed copies arrive in {bdays} business days",
                "you can download proof instantly in the app, or get a printed copy in {bdays} business days",
            ),
            (
                "I need proof of insurance for my {item} today",
                "where do I get my insurance card?",
                "can you mail me a copy of my documents?",
            ),
            (
                "Open Documents in the app and tap Proof of insurance to download the PDF.",
                "Go to Documents > Proof of insurance and save or print it.",
            ),
            {"bdays": B_DAYS},
            "I need a document",
        ),
    ),
    _general("claims review team", "email"),
    ("waive a fee", "waived the fee", "underwriting team"),
)

UTILITIES = Industry(
    "utilities",
    "an energy and water supplier",
    ("Brightgrid Energy", "Riverline Utilities", "Solace Power", "Greenmeadow Water"),
    ("electricity bill", "gas supply", "meter", "water bill"),
    "account number",
    "U",
    (
        I(
            "meter_reading",
            "submitting a meter reading",
            "Meter readings: submit by the {nth} of the month; otherwise the bill is estimated.",
            (
                "readings submitted by the {nth} of the month are used, otherwise the bill is estimated",
                "if you send the reading before the {nth} of the month, your bill uses it instead of an estimate",
            ),
            (
                "my bill seems estimated, how do I send a reading?",
                "when do I need to submit my {item} reading?",
                "how do I give you my meter numbers?",
            ),
            (
                "Enter it in the app under Meter > Submit reading, or text it with your account number.",
                "Use Meter > Submit reading in the app and add a photo of the dial.",
            ),
            {"nth": ("5th", "10th", "15th", "20th")},
            "my bill doesn't look right",
        ),
        I(
            "payment_plan",
            "spreading payments",
            "Payment plans: balances over {price} can be spread over up to {count} months with no interest.",
            (
                "balances over {price} can be spread over up to {count} months with no interest",
                "if you owe more than {price}, you can split it across {count} months interest-free",
            ),
            (
                "I can't pay my {item} all at once",
                "can I pay my bill in instalments?",
                "is there a payment plan for a big balance?",
            ),
            (
                "Set it up under Billing > Payment plan, choosing the number of months.",
                "Go to Billing > Payment plan in your account and pick how many months you need.",
            ),
            {"price": ("$100", "$150", "$200"), "count": ("3", "6", "12")},
            "I'm struggling with my bill",
        ),
        I(
            "outage",
            "a power outage",
            "Outages: report via the outage map; crews aim to restore power within {hours} hours; outages longer than that earn a {credit} credit.",
            (
                "crews aim to restore power within {hours} hours, and longer outages earn a {credit} credit",
                "we aim to fix outages within {hours} hours; if it takes longer you get a {credit} credit",
            ),
            (
                "the power is out on my street",
                "we've had no electricity since last night",
                "is there an outage in my area?",
            ),
            (
                "Check the outage map in the app with your postcode and report it there if it isn't listed.",
                "Enter your postcode on the outage map; if your street isn't shown, tap Report outage.",
            ),
            {"hours": ("6", "12", "24"), "credit": ("$25", "$30", "$50")},
            "we have a problem at home",
        ),
        I(
            "move_house",
            "moving home",
            "Moving: give {days} days' notice; final bill issued within {bdays} business days of the move-out reading.",
            (
                "we need {days} days' notice, and the final bill comes within {bdays} business days of the move-out reading",
                "give us {days} days' notice and your final bill arrives {bdays} business days after the last reading",
            ),
            (
                "I'm moving next month, what do I do about my {item}?",
                "how do I close my account when I move?",
                "how much notice do you need before I move out?",
            ),
            (
                "Use Account > Moving home, enter the date and send a final reading on the day.",
                "Fill in Account > Moving home and submit a reading on moving day.",
            ),
            {"days": ("2", "7", "14"), "bdays": B_DAYS},
            "I'm moving house",
        ),
        I(
            "high_bill",
            "an unusually high bill",
            "High bills: we check any bill over {pct} above the usual and can book a free meter test within {bdays} business days.",
            (
                "we check bills more than {pct} above your usual, and can book a free meter test within {bdays} business days",
                "if a bill is over {pct} higher than normal, we review it and can test the meter free within {bdays} business days",
            ),
            (
                "my {item} doubled this month, why?",
                "this bill is way higher than usual",
                "I think my meter is wrong, the bill is huge",
            ),
            (
                "Send a current meter reading first, since many high bills come from estimates.",
                "Submit a reading with a photo so we can compare it with the estimate.",
            ),
            {"pct": ("25%", "30%", "50%"), "bdays": B_DAYS},
            "my bill is way too high",
        ),
        I(
            "green_tariff",
            "the green tariff",
            "Green tariff: 100% renewable electricity for {small} more per month; switch any time.",
            (
                "the green tariff is 100% renewable and costs {small} more per month, with no lock-in",
                "you can switch to 100% renewable electricity for {small} extra a month and switch back any time",
            ),
            (
                "do you have renewable energy?",
                "how much more is the green tariff?",
                "can I switch my {item} to green energy?",
            ),
            (
                "Switch under Account > Tariff; it starts from your next bill.",
                "Pick Green under Account > Tariff and it applies from the next billing period.",
            ),
            {"small": ("$3", "$4", "$6")},
            "I want to change my tariff",
        ),
    ),
    _general("customer resolutions team", "email"),
    ("apply a bill credit", "applied a bill credit", "billing team"),
)

GAMING = Industry(
    "gaming",
    "an online game platform",
    ("Pixelvault", "Questline Games", "Runebound Studios", "Arcadia Play"),
    ("game", "in-game purchase", "account", "season pass"),
    "player ID",
    "P",
    (
        I(
            "refund_purchase",
            "refunding a purchase",
            "Refunds: game purchases are refundable within {days} days if played less than {hrs} hours.",
            (
                "games are refundable within {days} days of purchase if you've played less than {hrs} hours",
                "you can get a refund within {days} days as long as playtime is under {hrs} hours",
            ),
            (
                "I don't like the {item} I bought, can I get my money back?",
                "how do refunds work for games?",
                "I bought the wrong {item}, refund?",
            ),
            (
                "Request it under Library > the game > Request refund.",
                "Go to Purchases, select it and choose Request refund.",
            ),
            {"days": ("7", "14"), "hrs": ("2", "3")},
            "I regret a purchase",
        ),
        I(
            "hacked_account",
            "a compromised account",
            "Account security: recovery requires the email on file and a code; recovered items are restored within {bdays} business days.",
            (
                "recovery needs the email on file plus a code, and lost items are restored within {bdays} business days",
                "we recover accounts through the email on file and a code; items come back within {bdays} business days",
            ),
            (
                "someone hacked my {item} and took my skins",
                "I can't log in and my items are gone",
                "my account was stolen, help",
            ),
            (
                "Go to the login page, tap Recover account and follow the code sent to your email, then turn on two-factor.",
                "Use Recover account on the login screen, reset your password from the emailed code and enable two-factor.",
            ),
            {"bdays": B_DAYS},
            "something is wrong with my account",
        ),
        I(
            "season_pass",
            "the season pass",
            "Season pass: {price} per season; the season lasts {days} days and rewards stay after it ends.",
            (
                "the season pass is {price} per season, each season runs {days} days, and you keep the rewards",
                "a season costs {price} and lasts {days} days; rewards stay in your account afterwards",
            ),
            (
                "what's in the {item} and how long is a season?",
                "do I keep rewards when the season ends?",
                "how much is the season pass?",
            ),
            (
                "Buy it from Store > Season pass; progress already earned this season counts.",
                "Open Store > Season pass; anything you've earned this season is applied right away.",
            ),
            {"price": ("$9.99", "$12.99", "$14.99"), "days": ("60", "70", "90")},
            "I'm thinking about the pass",
        ),
        I(
            "ban_appeal",
            "appealing a ban",
            "Bans: appeals are reviewed within {bdays} business days; one appeal per ban.",
            (
                "appeals are reviewed within {bdays} business days, and each ban can be appealed once",
                "you get one appeal per ban, and it's reviewed within {bdays} business days",
            ),
            (
                "I got banned for no reason",
                "how do I appeal a ban on my {item}?",
                "my account is suspended, how long do appeals take?",
            ),
            (
                "Submit the appeal under Help > Account status with any details about the match.",
                "Use Help > Account status > Appeal and include the time of the match.",
            ),
            {"bdays": B_DAYS},
            "I can't play anymore",
        ),
        I(
            "missing_currency",
            "missing in-game currency",
            "Currency purchases: coins normally arrive within {mins} minutes; missing coins are credited after a check within {hours} hours.",
            (
                "coins normally arrive within {mins} minutes, and missing coins are credited within {hours} hours after a check",
                "purchases usually land within {mins} minutes; if not, we check and credit them within {hours} hours",
            ),
            (
                "I bought coins and they never showed up",
                "paid for an {item} but didn't get it",
                "where are the gems I just bought?",
            ),
            (
                "Restart the game to resync, and if they're still missing send the receipt through Help > Purchases.",
                "Log out and back in first; if they're still missing, attach the receipt under Help > Purchases.",
            ),
            {"mins": ("5", "10", "15"), "hours": ("24", "48")},
            "a purchase didn't go through",
        ),
        I(
            "parental_limits",
            "spending limits for children",
            "Family settings: parents can set a monthly spending limit and playtime limit; changes need the parent PIN.",
            (
                "parents can set a monthly spending limit and playtime limit, protected by the parent PIN",
                "family settings let you cap monthly spending and playtime, and changes need the parent PIN",
            ),
            (
                "my kid spent money on the {item} without asking",
                "how do I stop my son from buying things?",
                "can I limit how long my daughter plays?",
            ),
            (
                "Go to Settings > Family, choose the child's profile and set the monthly limit to {price}.",
                "Under Settings > Family pick their profile, set a limit such as {price} a month and create a PIN.",
            ),
            {"price": ("$0", "$10", "$20")},
            "I have a question about my child's account",
        ),
    ),
    _general("player support leads", "newsletter"),
    ("restore items", "restored the items", "trust and safety team"),
)

HEALTH = Industry(
    "healthcare_scheduling",
    "a clinic appointment service",
    ("CareBridge Clinics", "Wellpoint Health", "Oakridge Medical", "Lumen Family Practice"),
    ("appointment", "check-up", "blood test", "specialist visit"),
    "patient ID",
    "PT",
    (
        I(
            "reschedule",
            "rescheduling an appointment",
            "Rescheduling: free up to {hours} hours before; later changes or no-shows cost {fee}.",
            (
                "rescheduling is free up to {hours} hours before, and later changes or no-shows cost {fee}",
                "you can move it for free until {hours} hours before; after that, or if you miss it, it's {fee}",
            ),
            (
                "can I move my {item} to next week?",
                "I need to reschedule tomorrow's appointment",
                "is there a charge if I change my {item}?",
            ),
            (
                "Use Appointments > Reschedule in the portal and pick a new slot.",
                "Open the portal, go to Appointments and choose Reschedule.",
            ),
            {"hours": ("24", "48"), "fee": MID_FEE},
            "I can't make my appointment",
        ),
        I(
            "test_results",
            "test results",
            "Results: routine lab results appear in the patient portal within {bdays} business days.",
            (
                "routine lab results appear in the patient portal within {bdays} business days",
                "your results will be in the portal within {bdays} business days",
            ),
            (
                "when will my {item} results be ready?",
                "I had bloodwork done, where do I see it?",
                "still no results from my test",
            ),
            (
                "You'll get an email when they're posted under Records > Results.",
                "Check Records > Results in the portal; we email you when they're posted.",
            ),
            {"bdays": B_DAYS},
            "I'm waiting on something from you",
        ),
        I(
            "new_patient",
            "registering as a new patient",
            "New patients: register online; first appointments are usually available within {days} days.",
            (
                "new patients register online, and first appointments are usually available within {days} days",
                "you can register online, and a first appointment is usually free within {days} days",
            ),
            (
                "are you taking new patients?",
                "how do I sign up with your clinic?",
                "how soon can a new patient get a first {item}?",
            ),
            (
                "Fill in the form under Join the practice and bring photo ID to your first visit.",
                "Register through Join the practice on the website and have your insurance card ready.",
            ),
            {"days": (*S_DAYS, "14")},
            "I'm new here",
        ),
        I(
            "prescription_refill",
            "prescription refills",
            "Refills: repeat prescriptions are processed within {bdays} business days of the request.",
            (
                "repeat prescriptions are processed within {bdays} business days of the request",
                "refill requests take {bdays} business days to process",
            ),
            (
                "how do I get a refill of my usual prescription?",
                "I'm running low on my medication, can I request more?",
                "how long do refills take?",
            ),
            (
                "Request it under Prescriptions > Repeat in the portal and choose your pharmacy.",
                "Use Prescriptions > Repeat and select which pharmacy should receive it.",
            ),
            {"bdays": B_DAYS},
            "I need my prescription",
        ),
        I(
            "telehealth",
            "video appointments",
            "Video visits: available {week}, {open} to {close}; cost {fee} without insurance.",
            (
                "video visits run {week} from {open} to {close}, and cost {fee} without insurance",
                "you can book a video visit {week}, {open} to {close}; it's {fee} if you're uninsured",
            ),
            (
                "can I see a doctor by video?",
                "do you do online {item}s?",
                "how much is a video consult without insurance?",
            ),
            (
                "Book under Appointments > Video visit; you'll get a link 15 minutes before.",
                "Pick Video visit when booking, and the link arrives by text before the call.",
            ),
            {"week": WEEK, "open": TIMES, "close": CLOSE, "fee": ("$39", "$49", "$59")},
            "I'd rather not come in",
        ),
        I(
            "billing_question",
            "a visit bill",
            "Billing: visit bills are sent after insurance processes the claim, usually {days} days after the visit.",
            (
                "the bill is sent after insurance processes the claim, usually {days} days after the visit",
                "you'll get the bill once insurance has processed it, normally {days} days after your visit",
            ),
            (
                "when do I get billed for my {item}?",
                "why haven't I received a bill yet?",
                "how does billing work with insurance?",
            ),
            (
                "Your statements are also under Billing in the portal, where you can pay online.",
                "You can view and pay statements under Billing in the portal.",
            ),
            {"days": ("14", "21", "30")},
            "I have a billing question",
        ),
    ),
    _general("patient relations team", "email"),
    ("waive the late-cancellation fee", "waived the late-cancellation fee", "billing office"),
)

TRAVEL = Industry(
    "travel",
    "a hotel booking site",
    ("Staywell Travel", "Roamly", "Harbor & Pine Stays", "Wayfarer Booking"),
    ("hotel booking", "room", "reservation", "trip"),
    "reservation number",
    "R",
    (
        I(
            "hotel_cancel",
            "cancelling a hotel booking",
            "Cancellation: flexible rates cancel free until {hours} hours before check-in; non-refundable rates cannot be refunded.",
            (
                "flexible rates cancel free until {hours} hours before check-in, but non-refundable rates can't be refunded",
                "you can cancel a flexible rate for free up to {hours} hours before check-in; non-refundable ones aren't refunded",
            ),
            (
                "can I cancel my {item}?",
                "I need to cancel my stay next week, will I get my money back?",
                "how late can I cancel a hotel?",
            ),
            (
                "Open My trips, select the booking and tap Cancel; the screen shows the rate type first.",
                "Go to My trips > Cancel booking; it shows whether your rate is flexible before you confirm.",
            ),
            {"hours": ("24", "48", "72")},
            "my trip plans changed",
        ),
        I(
            "early_checkin",
            "early check-in",
            "Check-in: standard check-in is {time}; early check-in from {early} costs {fee} if available.",
            (
                "standard check-in is {time}, and early check-in from {early} costs {fee} when a room is free",
                "you can check in at {time}, or from {early} for {fee} if the hotel has a room ready",
            ),
            (
                "can I check in early? my flight lands in the morning",
                "what time is check-in for my {item}?",
                "how much is early check-in?",
            ),
            (
                "Add a request under My trips > Special requests and the hotel confirms by email.",
                "Request it in My trips > Special requests; the hotel replies the day before.",
            ),
            {"time": ("2pm", "3pm", "4pm"), "early": ("10am", "11am", "noon"), "fee": MID_FEE},
            "I arrive early",
        ),
        I(
            "price_guarantee",
            "the price guarantee",
            "Price guarantee: if you find the same room cheaper within {hours} hours of booking, we refund the difference.",
            (
                "if you find the same room cheaper within {hours} hours of booking, we refund the difference",
                "we refund the difference when the same room is cheaper elsewhere within {hours} hours of booking",
            ),
            (
                "I found my {item} cheaper on another site",
                "do you match prices?",
                "the same room is cheaper somewhere else, what can you do?",
            ),
            (
                "Submit the link under Help > Price guarantee with a screenshot.",
                "Send the other site's link and a screenshot through Help > Price guarantee.",
            ),
            {"hours": ("24", "48", "72")},
            "I saw a better price",
        ),
        I(
            "add_guest",
            "adding a guest",
            "Guests: extra adults cost {fee} per night; children under {age} stay free.",
            (
                "extra adults are {fee} a night, and children under {age} stay free",
                "each extra adult costs {fee} per night; kids under {age} are free",
            ),
            (
                "can I add my friend to the {item}?",
                "is there a charge for my kid?",
                "how much for an extra person?",
            ),
            (
                "Update the guests under My trips > Edit booking.",
                "Change the guest count in My trips > Edit booking; the new total appears before you save.",
            ),
            {"fee": ("$20", "$25", "$30"), "age": ("6", "12", "16")},
            "there's one more person coming",
        ),
        I(
            "deposit_refund",
            "a security deposit",
            "Deposits: security deposits are released within {bdays} business days of check-out.",
            (
                "security deposits are released within {bdays} business days of check-out",
                "the deposit is released {bdays} business days after you check out",
            ),
            (
                "when do I get my deposit back?",
                "the hotel still has my deposit from last week's {item}",
                "how long until the security deposit is refunded?",
            ),
            (
                "Your bank may take another day or two to show it; the release date is in My trips.",
                "The release date shows in My trips, and banks can add a day or two.",
            ),
            {"bdays": B_DAYS},
            "I'm waiting for money back",
        ),
        I(
            "loyalty_nights",
            "free nights",
            "Rewards: every {count} nights booked earn one free night, valid for {mdays} days.",
            (
                "every {count} nights you book earns a free night, valid for {mdays} days",
                "you get one free night per {count} nights booked, and it's valid for {mdays} days",
            ),
            (
                "how do free nights work?",
                "do I get rewards for my {item}?",
                "when does my free night expire?",
            ),
            (
                "Your balance is under Account > Rewards, and free nights apply at checkout.",
                "See Account > Rewards for your count; apply the free night at checkout.",
            ),
            {"count": ("5", "8", "10"), "mdays": ("180", "365")},
            "I have a question about rewards",
        ),
    ),
    _general("guest relations team", "email"),
    ("refund a booking", "refunded the booking", "reservations team"),
)

EDUCATION = Industry(
    "education",
    "an online course platform",
    ("Brightpath Academy", "Learnloop", "Scholarly Online", "Quillwork Courses"),
    ("course", "certificate", "subscription", "exam"),
    "student ID",
    "S",
    (
        I(
            "course_refund",
            "a course refund",
            "Refunds: courses are refundable within {days} days if less than {pct} of lessons are completed.",
            (
                "courses are refundable within {days} days if you've completed less than {pct} of the lessons",
                "you can get a refund within {days} days as long as under {pct} of lessons are done",
            ),
            (
                "the {item} isn't what I expected, can I get a refund?",
                "how do I get my money back for a course?",
                "I signed up by mistake, refund?",
            ),
            (
                "Request it under My learning > the course > Request refund.",
                "Go to Purchases and choose Request refund next to the course.",
            ),
            {"days": ("7", "14", "30"), "pct": ("20%", "25%", "30%")},
            "I'm not happy with a course",
        ),
        I(
            "certificate",
            "certificates",
            "Certificates: issued within {bdays} business days of passing the final exam with at least {pct}.",
            (
                "certificates are issued within {bdays} business days of passing the final exam with at least {pct}",
                "once you score {pct} or more on the final exam, the certificate arrives within {bdays} business days",
            ),
            (
                "when do I get my {item}?",
                "I passed the exam but there's no certificate yet",
                "what score do I need for a certificate?",
            ),
            (
                "It appears under Profile > Certificates, where you can download or share it.",
                "Check Profile > Certificates; you can download the PDF or add it to your profile.",
            ),
            {"bdays": B_DAYS, "pct": ("70%", "75%", "80%")},
            "I'm waiting for my certificate",
        ),
        I(
            "exam_retake",
            "exam retakes",
            "Exams: up to {count} attempts; retakes open after {hours} hours.",
            (
                "you get up to {count} attempts, and a retake opens {hours} hours after the last one",
                "the exam allows {count} attempts, with {hours} hours between attempts",
            ),
            (
                "I failed the {item}, can I take it again?",
                "how many times can I retake the final?",
                "when can I retry the exam?",
            ),
            (
                "The Retake button appears on the exam page once the waiting period ends.",
                "Go back to the exam page; Retake unlocks after the wait.",
            ),
            {"count": ("2", "3", "4"), "hours": ("24", "48")},
            "the exam didn't go well",
        ),
        I(
            "pause_subscription",
            "pausing a subscription",
            "Subscriptions: can be paused for up to {count} months per year; billing stops during the pause.",
            (
                "you can pause for up to {count} months a year, and billing stops during the pause",
                "subscriptions pause for up to {count} months per year with no charges meanwhile",
            ),
            (
                "can I pause my {item} while I travel?",
                "I don't have time to study next month, do I have to keep paying?",
                "how do I freeze my subscription?",
            ),
            (
                "Go to Account > Subscription > Pause and choose the months.",
                "Choose Pause under Account > Subscription and set the restart date.",
            ),
            {"count": ("2", "3", "6")},
            "I need a break from studying",
        ),
        I(
            "deadline_extension",
            "assignment deadlines",
            "Deadlines: one extension of up to {days} days per course, requested before the deadline.",
            (
                "you can get one extension of up to {days} days per course if you ask before the deadline",
                "each course allows one extension of up to {days} days, requested before the due date",
            ),
            (
                "can I get more time on my assignment?",
                "I'm sick and will miss the {item} deadline",
                "how do deadline extensions work?",
            ),
            (
                "Click Request extension on the assignment page before it's due.",
                "Use the Request extension button on the assignment page.",
            ),
            {"days": ("3", "5", "7")},
            "I'm behind on my work",
        ),
        I(
            "student_discount",
            "student discounts",
            "Discounts: verified students get {pct} off annual plans.",
            (
                "verified students get {pct} off annual plans",
                "there's {pct} off annual plans once you verify student status",
            ),
            (
                "do you have a student discount?",
                "I'm at university, is the {item} cheaper for me?",
                "how much is the student discount?",
            ),
            (
                "Verify with your school email under Account > Student status, then pick the annual plan.",
                "Confirm your school email in Account > Student status and the discount shows at checkout.",
            ),
            {"pct": ("20%", "30%", "40%", "50%")},
            "I'm a student",
        ),
    ),
    _general("learner success team", "email"),
    ("refund a course", "refunded the course", "billing team"),
)

STREAMING = Industry(
    "streaming",
    "a video streaming service",
    ("Flickstream", "Reelhouse", "Vistaplay", "Marquee+"),
    ("subscription", "profile", "TV app", "account"),
    "account email",
    "",
    (
        I(
            "screens_limit",
            "streaming on several screens",
            "Plans: the {plan} plan allows {count} screens at once for {price} a month.",
            (
                "the {plan} plan allows {count} screens at once for {price} a month",
                "{plan} costs {price} a month and streams on {count} screens at the same time",
            ),
            (
                "why does it say too many screens?",
                "how many devices can watch at once on {plan}?",
                "my family can't all watch at the same time",
            ),
            (
                "Change plan under Account > Plan, or sign out unused devices under Account > Devices.",
                "You can sign out old devices in Account > Devices or move plan in Account > Plan.",
            ),
            {"plan": PLAN, "count": ("2", "3", "4"), "price": ("$9.99", "$13.99", "$17.99")},
            "something is wrong with watching on my TV",
        ),
        I(
            "password_share",
            "extra members",
            "Extra members: people outside your household can be added for {fee} a month each, up to {count}.",
            (
                "people outside your household can be added for {fee} a month each, up to {count}",
                "extra members cost {fee} a month each, and you can add up to {count}",
            ),
            (
                "can my brother use my {item} at his place?",
                "how do I add someone who doesn't live with me?",
                "what does an extra member cost?",
            ),
            (
                "Add them under Account > Extra members and send the invite link.",
                "Go to Account > Extra members, add a slot and share the invite.",
            ),
            {"fee": ("$5.99", "$6.99", "$7.99"), "count": ("1", "2")},
            "I want to share my account",
        ),
        I(
            "billing_date",
            "billing dates",
            "Billing: you're billed on the same day each month; changes to the billing day allowed once every {days} days.",
            (
                "you're billed on the same day each month, and the billing day can be changed once every {days} days",
                "billing happens the same day every month; you can move that day once every {days} days",
            ),
            (
                "can I change the day I'm charged?",
                "why was my {item} charged today?",
                "when is my next payment?",
            ),
            (
                "Pick the new day under Account > Billing > Billing date.",
                "Change it in Account > Billing; the next charge date updates straight away.",
            ),
            {"days": ("30", "90", "180")},
            "I have a question about my payment",
        ),
        I(
            "downloads",
            "downloading shows",
            "Downloads: up to {dl} downloads per device on {plan} and above; downloads expire after {days} days.",
            (
                "{plan} and above allow up to {dl} downloads per device, and they expire after {days} days",
                "you can keep {dl} downloads per device on {plan} or higher, each lasting {days} days",
            ),
            (
                "why can't I download anything?",
                "how many shows can I download for my flight?",
                "my downloads disappeared from the {item}",
            ),
            (
                "Tap the download icon on the episode page; Downloads in the menu shows what's saved.",
                "Use the download arrow on each episode, then open Downloads from the menu.",
            ),
            {"dl": ("20", "30", "100"), "plan": PLAN, "days": ("7", "30", "48")},
            "I'm having trouble downloading",
        ),
        I(
            "parental_pin",
            "parental controls",
            "Parental controls: each profile can have a maturity rating and a {count}-digit PIN.",
            (
                "each profile can have its own maturity rating and a {count}-digit PIN",
                "you can set a maturity rating per profile and lock it with a {count}-digit PIN",
            ),
            (
                "how do I stop my kids watching adult stuff?",
                "can I lock a {item} with a PIN?",
                "set up parental controls please",
            ),
            (
                "Go to Profiles, pick the profile, and set Maturity rating and Profile lock.",
                "Open Profiles > the child's profile > Maturity rating, then add a Profile lock.",
            ),
            {"count": ("4", "6")},
            "I need to set up my kids' account",
        ),
        I(
            "video_quality",
            "video quality",
            "Quality: HD on all plans; 4K on {plan} only, needing at least {mbps} Mbps.",
            (
                "HD is on all plans, and 4K needs the {plan} plan and at least {mbps} Mbps",
                "every plan has HD; for 4K you need {plan} and a {mbps} Mbps connection",
            ),
            (
                "why isn't my show in 4K?",
                "the picture is blurry on my {item}",
                "how do I get ultra HD?",
            ),
            (
                "Check Account > Playback settings is set to High and run a speed test on the TV.",
                "Set Playback settings to High in your account and test the connection on the device.",
            ),
            {"plan": PLAN, "mbps": ("15", "25", "40")},
            "the picture quality is bad",
        ),
    ),
    _general("member services team", "email"),
    ("refund a charge", "refunded the charge", "billing team"),
)

INDUSTRIES: tuple[Industry, ...] = (
    RETAIL,
    TELECOM,
    BANKING,
    SAAS,
    AIRLINE,
    FOOD,
    INSURANCE,
    UTILITIES,
    GAMING,
    HEALTH,
    TRAVEL,
    EDUCATION,
    STREAMING,
)

#: Items that fit a particular intent's questions (otherwise the industry's items are used): one
#: does not reset a debit card or pause an exam.
INTENT_ITEMS: dict[str, tuple[str, ...]] = {
    "roaming": ("phone",),
    "plan_upgrade": ("mobile plan", "phone plan"),
    "router_reset": ("router",),
    "unlock_phone": ("phone",),
    "cancel_contract": ("mobile plan", "internet line", "phone contract"),
    "card_replacement": ("debit card", "credit card"),
    "overdraft_fee": ("checking account",),
    "wire_transfer": ("checking account", "savings account"),
    "savings_rate": ("savings account",),
    "atm_fee": ("debit card",),
    "seat_pricing": ("workspace", "team account"),
    "export_data": ("workspace",),
    "sso_setup": ("team account", "workspace"),
    "trial_extend": ("workspace", "integration"),
    "restore_deleted": ("project board",),
    "api_limits": ("integration",),
    "baggage_fee": ("flight",),
    "change_flight": ("flight", "booking"),
    "delay_compensation": ("flight",),
    "seat_selection": ("flight",),
    "lost_bag": ("checked bag", "suitcase"),
    "pet_travel": ("flight",),
    "missing_items": ("order", "grocery order", "lunch order"),
    "wrong_order": ("order", "pizza", "lunch order"),
    "tip_change": ("order", "grocery order"),
    "file_claim": ("car policy", "home policy", "renters policy"),
    "deductible": ("car policy", "home policy", "renters policy"),
    "add_driver": ("car policy",),
    "cancel_policy": ("car policy", "home policy", "renters policy"),
    "roadside": ("car policy",),
    "proof_insurance": ("car policy", "home policy"),
    "meter_reading": ("electricity meter", "gas meter"),
    "payment_plan": ("electricity bill", "water bill"),
    "high_bill": ("electricity bill", "water bill"),
    "green_tariff": ("electricity supply",),
    "refund_purchase": ("game", "in-game purchase"),
    "hacked_account": ("account",),
    "season_pass": ("season pass",),
    "ban_appeal": ("account",),
    "missing_currency": ("in-game purchase",),
    "parental_limits": ("game", "account"),
    "test_results": ("blood test",),
    "new_patient": ("appointment", "check-up"),
    "telehealth": ("appointment", "check-up"),
    "hotel_cancel": ("hotel booking", "reservation"),
    "price_guarantee": ("room", "hotel booking"),
    "add_guest": ("room", "reservation"),
    "deposit_refund": ("trip", "stay"),
    "course_refund": ("course",),
    "certificate": ("certificate",),
    "exam_retake": ("exam", "final exam"),
    "pause_subscription": ("subscription",),
    "deadline_extension": ("course", "assignment"),
    "student_discount": ("subscription", "course"),
    "password_share": ("account", "subscription"),
    "billing_date": ("subscription",),
    "downloads": ("app", "tablet"),
    "parental_pin": ("profile",),
    "video_quality": ("TV app", "TV"),
}

#: What a customer of each industry might cancel (refusal scenarios).
SERVICES: dict[str, tuple[str, ...]] = {
    "retail": ("membership", "monthly style box"),
    "telecom": ("mobile plan", "internet line"),
    "banking": ("credit card", "overdraft protection"),
    "saas": ("subscription", "team plan"),
    "airline": ("frequent flyer membership", "lounge pass"),
    "food_delivery": ("membership", "meal subscription"),
    "insurance": ("home policy", "car policy"),
    "utilities": ("gas supply", "energy plan"),
    "gaming": ("game subscription", "season pass"),
    "healthcare_scheduling": ("membership plan", "reminder service"),
    "travel": ("rewards membership", "travel insurance add-on"),
    "education": ("subscription", "course plan"),
    "streaming": ("subscription", "extra member slot"),
}
#: Physical goods, for refusal scenarios about deliveries and chargebacks.
PRODUCTS: dict[str, tuple[str, ...]] = {
    "retail": ("jacket", "pair of boots", "backpack", "dress"),
    "telecom": ("phone", "router"),
    "food_delivery": ("grocery order", "dinner order"),
    "gaming": ("controller", "headset"),
}
