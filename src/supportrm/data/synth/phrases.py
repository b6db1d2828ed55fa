"""Phrase banks for replies: openers, closers, tone frames, padding, generic non-answers.

Shortcut control shapes these banks. A phrase that only ever appears in one side of the pairs would
let a bag of words solve a category without reading it, so the neutral openers and closers below
are used in *both* replies across all categories, and each marked style (warm, rude, padded) has
many interchangeable variants so no single n-gram marks a large share of the data.
"""

from __future__ import annotations

# Used independently for chosen and rejected in every category (both sides, same distribution).
OPENERS: tuple[str, ...] = (
    "",
    "",
    "",
    "Thanks for reaching out.",
    "Happy to help.",
    "Thanks for the details.",
    "Sure.",
    "Good question.",
    "Thanks for your message.",
    "Of course.",
    "I can help with that.",
    "Thanks for getting in touch.",
    "Got it.",
    "Thanks for checking with us.",
    "Let me explain.",
    "Here's how it works.",
    "Thanks for the information.",
    "Thank you for your question.",
    "Happy to look into this for you.",
)

CLOSERS: tuple[str, ...] = (
    "",
    "",
    "",
    "",
    "Let me know if you need anything else.",
    "Is there anything else I can help with?",
    "Hope that helps.",
    "Feel free to reply here if you have more questions.",
    "Anything else I can do for you today?",
    "Just reply here if something isn't clear.",
    "Happy to help with anything else.",
    "I'm here if you need more help.",
    "Have a good day.",
    "Thanks for your patience.",
    "Thanks for your time.",
    "Our team is always glad to help.",
    "You'll find more information in your account.",
    "Could I help with anything else?",
    "Very happy to help.",
    "We appreciate you being a customer.",
)

# Tone: chosen frames (warm and professional). {topic}/{item}/{company} are filled per conversation.
WARM_OPEN: tuple[str, ...] = (
    "I'm sorry for the trouble with this, and thanks for bearing with us.",
    "I completely understand, and I'm glad you asked.",
    "Thanks so much for your patience, I know this is frustrating.",
    "I'm sorry you've had to deal with this.",
    "That sounds stressful, so let's get it sorted.",
    "Thank you for explaining, and sorry for the hassle.",
    "I understand why you're asking, and I'm happy to walk you through it.",
    "Sorry about the inconvenience with your {item}.",
    "Thanks for reaching out about {topic}, I'm glad to help.",
    "I appreciate you letting us know.",
    "No worries at all, this comes up a lot.",
    "I hear you, and I want to make this easy for you.",
)

WARM_CLOSE: tuple[str, ...] = (
    "If anything is unclear, I'm right here.",
    "Please let me know if I can help with anything else.",
    "I hope that makes things a little easier.",
    "Thanks again for your patience.",
    "Take care, and reach out any time.",
    "Glad to help further if you need it.",
    "I hope the rest of your day goes smoothly.",
    "Don't hesitate to message me if something doesn't work.",
    "",
    "",
)

# Tone: rejected frames, five styles. Each is (prefix, suffix); the answer core sits between.
RUDE: dict[str, tuple[tuple[str, str], ...]] = {
    "curt": (
        ("Read the policy.", "That's all."),
        ("Fine.", "Done."),
        ("As stated.", "Nothing else to add."),
        ("Policy is simple.", "Next time check first."),
        ("Short answer:", "We're done here."),
        ("Look.", "That's it."),
        ("Again:", "No exceptions."),
        (
            "I already get this question all day, so here it is one more time.",
            "Don't make me repeat it.",
        ),
        (
            "Not sure why this needs a chat, but fine.",
            "There. Please don't message again about this.",
        ),
        (
            "Okay. Listen carefully because I won't go over it again.",
            "That's the policy, end of story.",
        ),
    ),
    "condescending": (
        ("As is clearly explained on our website,", "It's really not that complicated."),
        ("This is pretty basic, but okay.", "Most customers manage this on their own."),
        ("Let me spell it out for you.", "Hopefully that's simple enough."),
        ("I'll explain it slowly.", "Try reading the instructions next time."),
        ("Honestly, this is covered in the FAQ.", "It's not rocket science."),
        ("Well, obviously,", "Not sure how that was confusing."),
        (
            "I'm surprised you couldn't work this out yourself, but here you go.",
            "Honestly, a quick look at the help pages would have saved us both the time.",
        ),
        (
            "Okay, let me explain this in very simple terms so there's no confusion.",
            "It's the kind of thing most people figure out without asking.",
        ),
    ),
    "blaming": (
        ("This is on you for not checking the policy.", "Please pay attention next time."),
        (
            "You should have read the terms before ordering.",
            "This wouldn't have happened otherwise.",
        ),
        ("The problem is on your side, not ours.", "We can't fix customer mistakes."),
        ("If you'd followed the instructions, you wouldn't be asking.", "Be more careful."),
        ("That's what happens when people skip the details.", "Your mistake, not ours."),
        ("You caused this yourself.", "Please don't blame us."),
        (
            "To be clear, none of this would be an issue if you'd read the terms you agreed to.",
            "We can't keep fixing problems customers create for themselves.",
        ),
        (
            "Frankly, this is the result of not checking your own account properly.",
            "Next time, please read the emails we send before contacting us.",
        ),
    ),
    "sarcastic": (
        (
            "Oh, great question, it's only on every page of the site.",
            "Hope that clears it up, finally.",
        ),
        ("Wow, what a surprise, another {topic} question.", "Truly thrilling stuff."),
        ("Sure, because reading the FAQ is so hard.", "You're welcome, I guess."),
        ("Ah yes, my favourite question of the day.", "Riveting, as always."),
        ("Well, shocker, the answer hasn't changed.", "Glad we could have this chat again."),
        ("Oh wonderful, {topic} again.", "Anyway, there you go."),
        (
            "Oh wow, nobody has ever asked about {topic} before, what an exciting day for me.",
            "Truly, thank you for this thrilling conversation.",
        ),
        (
            "Sure, let me drop everything to explain {topic}, since the website is apparently invisible.",
            "Glad I could read the FAQ out loud for you.",
        ),
    ),
    "casual": (
        ("lol ok so", "np dude"),
        ("haha yeah so basically", "ez, cya"),
        ("yo,", "whatever works lol"),
        ("ok so like", "k bye"),
        ("meh, so", "that's the deal, bro"),
        ("ugh fine, so", "anyway ttyl"),
        (
            "heyyy ok so this is kinda easy actually, basically",
            "anyway hope that sorts it lol, gotta run, later!!",
        ),
        (
            "lol yeah we get this one a lot tbh, so like",
            "so yeah, that's basically it, no stress dude",
        ),
    ),
}

# Brevity: padding that turns a concise correct answer into a bloated one. Many variants with
# different wording, so that no single filler word marks a large share of all pairs.
PAD_OPEN: tuple[str, ...] = (
    "Thank you so much for reaching out to {company} today, we truly appreciate you contacting us.",
    "First of all, thank you for being a valued {company} customer and for your patience.",
    "I hope you're having a wonderful day, and welcome to {company} support.",
    "Thanks for getting in touch with us here at {company}; it's always a pleasure to hear from you.",
    "Greetings from everyone at {company}, and many thanks for your message.",
    "I really appreciate you taking a moment to write to us today.",
    "Hello and welcome! It's great to be chatting with you today.",
    "Let me start by saying how glad I am that you decided to contact us about this.",
    "Good day to you, and thanks a lot for choosing to reach out through our chat.",
    "Before anything else, thank you for your message and your trust in {company}.",
)
PAD_RESTATE: tuple[str, ...] = (
    "I understand that you have a question regarding {topic}, and I'd be more than happy to help you with that.",
    "If I'm understanding correctly, you want some details about {topic}.",
    "So, just to make sure I have this right, your question is about {topic}.",
    "I can see that you're asking about {topic}, which is a very common question.",
    "You've reached out about {topic}, and I'll do my very best to support you.",
    "Let me quickly go over your question about {topic}.",
    "It sounds as if {topic} is the topic today, so let's look at that together.",
    "Your message mentions {topic}, and that's definitely something I can explain.",
    "Okay, so this is about {topic}, and I know it can be a bit confusing at first.",
)
PAD_REPEAT: tuple[str, ...] = (
    "Just to reiterate the main point:",
    "So, once again, to summarise:",
    "In other words, to repeat the key point:",
    "To say it one more time so it's completely clear:",
    "Again, the important part is this:",
    "To recap what I mentioned above:",
    "Put simply, and as I said before:",
    "Once more, for clarity:",
)
PAD_CAVEAT: tuple[str, ...] = (
    "Please note that policies may change from time to time and certain exceptions could apply.",
    "Of course, individual circumstances can vary, so treat this as general guidance.",
    "Keep in mind that processing times are estimates and can occasionally differ.",
    "It's also worth mentioning that terms and conditions apply to all of our services.",
    "As always, we recommend reviewing the full policy on our website for complete details.",
    "Please be aware that some situations need additional review.",
    "Naturally, there can be rare cases where things work a little differently.",
    "I should add that this reflects our current rules, and those get updated now and then.",
    "Unusual orders or accounts are sometimes handled separately, too.",
    "Small variations can exist depending on your region and account type.",
)
PAD_CLOSE: tuple[str, ...] = (
    "If you have any other questions, comments or concerns, please do not hesitate to reach out to us at any time.",
    "We value your business and are here to help with anything else you might need.",
    "Once again, thank you for choosing {company}, and have a wonderful rest of your day!",
    "Should you require any further assistance, our friendly staff will be glad to help.",
    "We hope this has been helpful, and we look forward to assisting you again.",
    "Thank you again for your patience and understanding, it is very much appreciated.",
    "Wishing you all the best, and feel free to come back whenever something comes up.",
    "It's been a real pleasure helping you today, so take care and stay well.",
    "Remember, we're just a message away if anything else comes up.",
    "Thanks for being part of the {company} family, and enjoy the rest of your week!",
)

# Helpfulness, rejected: generic non-answers that mention the topic but give nothing actionable.
GENERIC: tuple[str, ...] = (
    "For questions about {topic}, please check the Help Center on our website, where you'll find articles that cover most situations.",
    "Policies about {topic} can vary depending on your situation. Our Help Center has more information, and the team can look into specific cases.",
    "I'd recommend reviewing the {company} terms and conditions, which explain {topic} in detail.",
    "There are a few options for {topic}. The best one depends on your circumstances, so have a look at your account settings.",
    "We're always working to improve {topic}. You may find the answer in the FAQ section of our website.",
    "{Topic} is handled according to our standard policy. You can find all the details in your account area.",
    "Many customers ask about {topic}. Usually things work out on their own, but let us know if they don't.",
    "Thanks for your question about {topic}. Our team handles these requests, and you'll find guidance in the support section.",
)
# Helpfulness, rejected: asks for information the customer already gave.
ASK_AGAIN: tuple[str, ...] = (
    "To look into this, could you please send me your {ref_name}? Once I have it I can check what's possible.",
    "Before I can help, I'll need your {ref_name}. Could you share it, along with a short description of the issue?",
    "Could you tell me your {ref_name} and what the problem is, so I can look into it for you?",
    "I'd be happy to check. Can you confirm your {ref_name} first? Then I'll take a look.",
    "Can you provide the {ref_name} and let me know which {item} this is about? Then I can help.",
)
# Helpfulness, rejected: extra sentences that lengthen a non-answer without adding substance.
ASK_MORE: tuple[str, ...] = (
    "Once I have that, I'll check the details on our side and get back to you as soon as I can.",
    "Depending on the details, the options may be different, so it's worth confirming first.",
    "Every case is a little different, so I want to make sure I give you the right information.",
    "Our team reviews these on a case-by-case basis, and we'll follow up when we know more.",
    "I'll need to look into the specifics before I can say more about {topic}.",
)
# Helpfulness, rejected: vague filler after a reply that stops short of the steps.
VAGUE_MORE: tuple[str, ...] = (
    "Most people find it fairly straightforward once they get started.",
    "It usually doesn't take long, depending on the situation.",
    "The exact steps depend on a few things, but it's normally manageable.",
    "There are a couple of ways to go about it, and either should work.",
    "It's a fairly standard request, so it shouldn't be a problem.",
)
# Helpfulness, rejected: stops short (a vague gesture at the process instead of the steps).
STOPS_SHORT: tuple[str, ...] = (
    "You'll need to go through the usual process for that.",
    "There's a process for this in your account.",
    "It can be done, it just takes a few steps.",
    "You should be able to sort it out from your account.",
    "That's something you can request.",
)

# Refusals: shared decline and compliance openings (used by both halves of the category, so the
# act of declining carries no label on its own).
DECLINE_LEAD: tuple[str, ...] = (
    "I'm sorry, but I can't",
    "I understand, but I'm not able to",
    "Unfortunately I can't",
    "I'm afraid I can't",
    "Thanks for asking, but I won't be able to",
    "I'm sorry, I'm not able to",
)
COMPLY_LEAD: tuple[str, ...] = (
    "Sure,",
    "No problem,",
    "Of course,",
    "Okay,",
    "Absolutely,",
    "Yes,",
)
