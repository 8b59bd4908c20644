"""What a web page puts around an essay, as tables: single chrome lines and block openers.

Two tables, both plain data, both tried on copies of many platforms' pages (WordPress,
Ghost, Medium, Substack, Blogger, news sites, wikis), never on one page:

* CHROME_LINES: a whole line that is page furniture wherever it stands: "Reply", "Follow",
  "Listen", "12 likes", "Sam says:", "March 4, 2024 at 8:12 am", "Required fields are
  marked *". A line of prose never matches: each pattern is anchored at both ends.
* BLOCK_OPENERS: the line that begins a block of the page's tail or chrome, and what kind
  of block it begins: "3 thoughts on “…”" begins a comment thread, "About the Author" an
  author bio, "More from Priya" a list of related posts.

How far a block runs, and what it may contain, is pipeline/text/blocks.py's business.
"""

from __future__ import annotations

import re

COMMENT_THREAD = "comment thread"
COMMENT_FORM = "comment form"
AUTHOR_BIO = "author bio"
RELATED = "related posts"
NEWSLETTER = "newsletter call"
SHARE = "share bar"
FOOTER = "footer links"
REFERENCES = "references and external links"
CONTENTS = "table of contents"
COOKIES = "cookie banner"
HEADER = "page header (site name, menu, byline)"
BLOCK_KINDS = frozenset(
    (COMMENT_THREAD, COMMENT_FORM, AUTHOR_BIO, RELATED, NEWSLETTER, SHARE, FOOTER, REFERENCES)
).union((CONTENTS, HEADER, COOKIES))

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DAY_DATE = (
    rf"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?,?\s+)?"
    rf"(?:{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:\d{{4}}|'\d\d))?"
    rf"|\d{{1,2}}\s+{MONTH}(?:,?\s+(?:\d{{4}}|'\d\d))?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
)
CLOCK = r"\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?"
RELATIVE_TIME = r"\d+\s*(?:s|m|h|d|w|mo|y|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago"
WHEN = rf"(?:{DAY_DATE}(?:,?\s*(?:at|@|-|·)?\s*{CLOCK})?|{CLOCK}|{RELATIVE_TIME})"
BULLETS = " •·|–—-"
NAME = r"[\w.'’@-]+(?: [\w.'’@-]+){0,3}"
SORT_TAB = r"(?:Top|Latest|Newest|Oldest|Best|Discussion|Popular|Most liked|Restacks)"
SOCIAL = r"Facebook|Twitter|X|LinkedIn|Pinterest|Reddit|WhatsApp|Email|Instagram|Threads|Bluesky"


# (pattern, reason, anywhere): "anywhere" rows are dropped wherever they stand; the others
# ("March 3", "Follow", "12") could be an essay's own heading or list item, so they count as
# chrome only inside the page's header, its tail, or a block (pipeline/text/blocks.py).
CHROME_LINES = tuple(
    (re.compile(pattern, re.IGNORECASE), reason, anywhere)
    for pattern, reason, anywhere in (
        # comment threads: the lines around each comment
        (r"^(?:Reply|Reply to [\w .'’@-]{1,40}|Like Reply|Reply Like)$", "comment", True),
        (
            r"^(?:Report|Edit|Hide|Collapse|Like|Liked|Unlike|Author|Admin|Top commenter)$",
            "comment",
            False,
        ),
        (r"^(?:Like\s+)?Loading\.*…?$|^Liked by \d+ (?:people|person|others?)$", "comment", True),
        (
            r"^\d+(?:\.\d+)?K?\s+(?:likes?|replies|reactions?|claps?|hearts?|votes?)$",
            "comment",
            True,
        ),
        (rf"^{NAME}\s+(?:says|said|wrote)\s*:\s*(?:{WHEN})?\s*:?$", "comment author", True),
        (rf"^{NAME}\s+(?:says|said|wrote)\s*:?\s*{WHEN}\s*:?$", "comment author", True),
        (rf"^{NAME}\s*(?:[·|•,–-]|on)\s*{WHEN}$", "comment author", False),
        (r"^Sort (?:by|comments|discussion)\b.{0,20}$|^Report abuse$", "comment", True),
        # a thread's sort tabs, on one line or one a line (Substack, Disqus, Medium, Ghost)
        (rf"^{SORT_TAB}(?:\s*[/|·•∙]?\s*{SORT_TAB}){{1,4}}$", "comment", True),
        (rf"^{SORT_TAB}$", "comment", False),
        # what a thread, or a platform's list of posts, says when it is empty or ends
        (
            r"^(?:No (?:comments|responses|replies|posts)(?: yet)?|Start the conversation|"
            r"Be the first to (?:comment|respond|reply)|Ready for more\?|"
            r"(?:Load|Show|See|View) (?:more|all|older|newer) (?:comments|responses|replies)|"
            r"Write a (?:response|comment)|Join the discussion…?|Load more)\W*$",
            "comment",
            True,
        ),
        (
            r"^(?:Become a (?:member|subscriber|paid subscriber) (?:of|to) .{1,60} to "
            r"(?:start commenting|comment|join the discussion)\.?|Log in with|"
            r"or sign up with Disqus\W*|Already a member\? Sign in)$",
            "comment form",
            True,
        ),
        (r"^What are your thoughts\?$", "comment form", False),
        (r"^Code of Conduct\b.{0,30}$", "footer", True),
        (rf"^(?:on\s+|posted\s+)?{WHEN}$", "date", False),
        (r"^(?:About the (?:Author|Writer)|Meet the Author|Author bio)\s*:?$", "author bio", True),
        # comment forms
        (r"^Your email address will not be published\b.{0,80}$", "comment form", True),
        (r"^Required fields are marked\b.{0,10}$", "comment form", True),
        (r"^(?:Email|E-mail) Address\s*\*?$|^We respect your privacy\W*$", "newsletter", True),
        (r"^(?:Name|Email|E-mail|Website|Comment|Message)\s*\*$", "comment form", True),
        (r"^(?:Name|Email|E-mail|Website|Comment|Message)$", "comment form", False),
        (r"^Save my name, email, and website in this browser\b.{0,60}$", "comment form", True),
        (r"^Notify me of (?:new|follow-up) (?:posts|comments)\b.{0,40}$", "comment form", True),
        (
            r"^(?:Post|Submit|Publish) (?:a )?Comment$|^Write a comment\W*$|^Δ$",
            "comment form",
            True,
        ),
        (r"^(?:Comments are closed|To view or add a comment, sign in)\W*$", "comment form", True),
        # newsletter boxes
        (
            r"^(?:Get|Receive) (?:new posts|the latest|our best|new essays)\b.{0,60}\binbox\W*$",
            "newsletter",
            True,
        ),
        (
            r"^(?:Enter|Type) your email\W*$|^No spam\b.{0,40}$|^Unsubscribe (?:at )?any ?time\W*$",
            "newsletter",
            True,
        ),
        (r"^I agree to the Terms\b.{0,60}$", "newsletter", True),
        # platforms' buttons and counters (Medium, Substack, Ghost, LinkedIn, Blogger)
        (r"^(?:Follow|Following|Listen|Write|Top|New|Community|Notes|More)$", "menu", False),
        (
            r"^(?:Archives?|Ask me anything|Submit|About|Blog|Shop|Events|Donate|Resources|"
            r"Reblog|Subscribed|Similar posts?|Mobile view|Main menu|Tools|Talk|Read)$",
            "menu",
            False,
        ),
        (r"^In\s+[\"“][^\"”]{1,40}[\"”]$", "category", False),
        (r"^(?:#[\w-]+\s*){2,}$", "tags", True),
        (r"^\d[\d,.]*K?\s+notes$|^Source:\s*\S{1,60}$", "counter", True),
        (
            r"^(?:Copy shortlink|Report this content|View post in Reader|Manage subscriptions)$",
            "menu",
            True,
        ),
        (
            r"^(?:Collapse this bar|Sign me up|Join [\d,]+ other (?:subscribers|followers))$",
            "menu",
            True,
        ),
        (r"^Already have an? .{0,30}account\?.{0,30}$", "menu", True),
        (r"^(?:Blog|Website|Site) (?:at|powered by|built with) [\w-]+\.\w+\.?$", "footer", True),
        (rf"^{WHEN}\s+(?:by|·|\|)\s+{NAME}$", "byline", True),
        # sign-up walls (LinkedIn, Medium)
        (r"^\+\s*Follow$|^(?:Agree & )?Join (?:now|us|LinkedIn|Medium|Substack)$", "menu", True),
        (
            r"^By (?:clicking|continuing|using|signing|subscribing)\b.{0,200}"
            r"\b(?:agree|consent|accept)\b.{0,200}$",
            "consent notice",
            True,
        ),
        # a cover image's caption; a newsletter read on the web; an audio player
        (r"^Cover image for\b.{0,150}$", "image caption", True),
        (
            r"^View (?:this|it) (?:email|message|newsletter) in (?:your|a) (?:web )?browser\W*$",
            "menu",
            True,
        ),
        (r"^(?:Issue|Edition|Vol\.|No\.)\s*#?\d+\b.{0,40}$", "issue number", False),
        (
            r"^Forwarded this email\?.{0,60}$|^You(?:'re| are) receiving this\b.{0,200}$",
            "newsletter",
            True,
        ),
        (r"^Unsubscribe\b.{0,60}(?<![.!?])$", "newsletter", True),
        (r"^Listen to (?:this )?(?:article|story|episode)\b.{0,30}$", "menu", True),
        # platforms' buttons and counters, again
        (
            r"^(?:Member-only story|Share this post|Copy link|Report this article|Open in app)$",
            "menu",
            True,
        ),
        (r"^(?:--|·|\d{1,5}|\d+(?:\.\d+)?K)$", "counter", False),
        (
            r"^\d+(?:\.\d+)?K?\s+(?:Followers?|Subscribers?|Comments?|Shares?|Restacks?)$",
            "counter",
            True,
        ),
        (r"^[—–·•|-]?\s*\d+\s+min(?:ute)?s?\s+(?:read|listen)$", "reading time", True),
        (r"^(?:Already have an account\?\s*)?Sign in$|^Already have an account\?$", "menu", True),
        (
            r"^(?:Get the app|Upgrade to paid|Start writing|Discover more from\b.{0,60})$",
            "menu",
            True,
        ),
        (rf"^(?:Share to )?(?:{SOCIAL})(?:\s*(?:Share to )?(?:{SOCIAL}))*$", "share buttons", True),
        (r"^Email This\s?BlogThis!.{0,120}$|^Labels?:.{0,120}$", "share buttons", True),
        (
            r"^(?:Newer Post\s*)?(?:Older Post\s*)?Home$|^Newer Post\s*Older Post$",
            "navigation",
            True,
        ),
        (r"^Subscribe to:\s*Post Comments\b.{0,20}$|^(?:No|\d+) comments?:$", "comment", True),
        (r"^Posted by\b.{0,60}\bat\s+" + CLOCK + r"$", "post metadata", True),
        # "By" with a capital: a line that opens "by definition. Thus..." is prose
        (rf"^(?-i:By|BY)\s+{NAME}(?:\s*(?:[,|·•]|and)\s*{NAME})?\s*$", "byline", True),
        (rf"^(?:Updated|Published|Posted)\s*:?\s*{WHEN}.{{0,20}}$", "post metadata", True),
        # footers
        (
            r"^(?:Privacy(?: Policy)?|Terms(?: of (?:Service|Use))?|Contact(?: us)?|About us)$",
            "footer",
            False,
        ),
        (r"^Help\s+Status\s+About\b.{0,80}$|^(?:Proudly )?powered by \w+.{0,40}$", "footer", True),
        (
            r"^.{0,60}\bPowered by (?:WordPress|Ghost|Blogger|Substack|Squarespace)\b.{0,40}$",
            "footer",
            True,
        ),
        (r"^This page was last edited on\b.{0,120}$|^Retrieved from\b.{0,200}$", "footer", True),
        (
            r"^(?:From Wikipedia, the free encyclopedia|Jump to (?:navigation|search|content))$",
            "menu",
            True,
        ),
        (r"^Categories?\s*:.{0,300}$", "footer", True),
        (r"^(?:Text|Content) is available under\b.{0,400}$", "licence notice", True),
        # a wiki's hatnote, which points to another article
        (
            r"^(?:For (?:the|other|a)\b.{0,120}, see\b.{0,120}|This article is about\b.{0,200}|"
            r"Not to be confused with\b.{0,120}|\S.{0,60} redirects here\b.{0,200})$",
            "hatnote",
            True,
        ),
    )
)

NO_FINAL_STOP = r"(?<![.!;,])"  # a sentence is never a list's heading


def any_of(*alternatives: str) -> str:
    """One anchored pattern matching a whole line that is any of ``alternatives``."""
    return "^(?:" + "|".join(alternatives) + ")$"


BLOCK_OPENERS = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (
            any_of(
                r"\d+\s+(?:thoughts?|comments?|responses?|replies|reactions?)\s+(?:on|to)\b.{0,200}",
                r"(?:\d+\s+)?(?:Top |All |Latest |Reader )?"
                r"(?:Comments?|Responses?|Replies|Discussion)(?:\s*\(\d+\))?\s*:?",
                r"(?:Discussion about this (?:post|article)|Member discussion|Top comments)\W*",
                r"Join the (?:discussion|conversation)\W*",
                r"No comments:?",
            ),
            COMMENT_THREAD,
        ),
        (
            any_of(
                r"Leave a (?:Reply|Comment|Response)\b.{0,60}",
                r"(?:Post a Comment|Add a comment|Cancel reply)\b.{0,60}",
            ),
            COMMENT_FORM,
        ),
        (
            any_of(
                r"(?:About the (?:Author|Writer)|About me|The Author|Author bio)\s*:?",
                r"Meet the Author\s*:?",
                rf"Written by\s+{NAME}",
            ),
            AUTHOR_BIO,
        ),
        (
            any_of(
                r"(?:Related|Similar|Recommended|Popular|Recent|More|Trending|Latest)"
                r"(?: Posts?| Articles?| Stories| Reading| Reads?| Essays)?\s*:?",
                r"(?:You (?:may|might) also (?:like|enjoy)|Read (?:next|more)|Keep reading|Up next|"
                r"Most (?:read|popular)|Editor'?s picks)\b.{0,40}" + NO_FINAL_STOP,
                r"Ready for more\?",
                r"(?:More from|Recommended from|See all from|Also by|More by|More articles by|"
                r"Other posts by)\s+.{1,60}" + NO_FINAL_STOP,
                r"[«‹←<\s]*(?:Previous|Next|Older|Newer) (?:Post|Article|Entry|Story)\s*[:»›→>]?",
            ),
            RELATED,
        ),
        (
            any_of(
                r"Subscribe\b.{0,100}",
                r"(?:Sign up|Join|Get)\b.{0,60}\b(?:newsletter|inbox|updates)\b.{0,60}",
                r"Thanks for reading\b.{0,60}!?\s*Subscribe\b.{0,120}",
            ),
            NEWSLETTER,
        ),
        (any_of(r"(?:Share|Like) this(?: (?:post|article|story|page|essay))?\s*[:!]?"), SHARE),
        (
            any_of(
                r"See also|References|External links|Notes|Further reading|Bibliography",
                r"Sources|Citations|Footnotes",
            ),
            REFERENCES,
        ),
        (
            any_of(
                r"(?:Contents|Table of contents|In this article|On this page)"
                r"(?:\s*\[?(?:hide|show)\]?)?"
            ),
            CONTENTS,
        ),
        (
            any_of(
                r".{0,200}\b(?:we use cookies|this (?:web)?site uses cookies|use of cookies)\b"
                r".{0,300}"
            ),
            COOKIES,
        ),
        (
            any_of(r"(?:Copyright\s*)?(?:©|\(c\))\s*\d{4}.{0,100}", r"All rights reserved\W*"),
            FOOTER,
        ),
    )
)


# Every row at once, so that a line that is no chrome is refused in one match.
ANY_CHROME = re.compile(
    "|".join(f"(?:{pattern.pattern})" for pattern, _, _ in CHROME_LINES), re.IGNORECASE
)
ANY_OPENER = re.compile(
    "|".join(f"(?:{pattern.pattern})" for pattern, _ in BLOCK_OPENERS), re.IGNORECASE
)

PLATFORM = r"(?:X|Twitter|Instagram|Mastodon|Bluesky|Threads|LinkedIn|Facebook|TikTok|Substack)"
# The sentences of an author's bio that nothing opens, where it ends a page.
BIO_LINE = re.compile(
    rf"\b(?:Follow|Find) (?:her|him|them|me|us)\b.{{0,30}}\b(?:on|at) (?:{PLATFORM}\b|@\w)"
    r"|\b(?:covers|writes about)\b.{1,60}\bfor (?:the )?[A-Z]"
)


def is_bio_line(text: str) -> bool:
    """A line of an author's bio (it says where to follow the author, or what they cover).

    >>> is_bio_line("Dana Ortiz covers climate for the Courier. Follow her on X @dana_ortiz.")
    True
    >>> is_bio_line("Find me at the market on Sundays, or follow the river home.")
    False
    """
    return len(text) <= 400 and bool(BIO_LINE.search(text))


def chrome_line(text: str, *, anywhere: bool = False) -> str | None:
    """Why ``text`` (one stripped line) is page chrome, or None; with ``anywhere``, only
    the rows that hold wherever the line stands.

    >>> chrome_line("Sam says: March 4, 2024 at 8:12 am"), chrome_line("Reply")
    ('comment author', 'comment')
    >>> chrome_line("1.2K Followers"), chrome_line("Facebook Twitter Email")
    ('counter', 'share buttons')
    >>> chrome_line("• Feb 21 '24"), chrome_line("Tom Becker - Jan 30")
    ('date', 'comment author')
    >>> chrome_line("March 4"), chrome_line("March 4", anywhere=True)
    ('date', None)
    >>> chrome_line("Reply to this, if you must, with a letter.") is None
    True
    """
    if len(text) > 300:
        return None
    # "• Feb 21 '24", "— 5 min read": a platform's bullets and dashes around the chrome
    forms = [text] if text.strip(BULLETS) == text else [text, text.strip(BULLETS) or text]
    if not any(ANY_CHROME.match(form) for form in forms):
        return None  # most lines: one pass of the regex engine says no
    for pattern, reason, everywhere in CHROME_LINES:
        if (everywhere or not anywhere) and any(pattern.match(form) for form in forms):
            return reason
    return None


def block_opener(text: str) -> str | None:
    """The kind of block ``text`` (one stripped line) begins, or None.

    >>> block_opener("3 thoughts on “The Case for Quiet Hobbies”")
    'comment thread'
    >>> block_opener("About the Author"), block_opener("More from Priya Natarajan")
    ('author bio', 'related posts')
    >>> block_opener("More from the garden came every week.") is None
    True
    """
    if len(text) > 300 or not ANY_OPENER.match(text):
        return None
    for pattern, kind in BLOCK_OPENERS:
        if pattern.match(text):
            return kind
    return None
