"""Fixed pools the generator draws from: names, companies, roles, topics and the phrases mail is built of.

Every phrase pool is tagged by what the rules engine must read into it: `QUESTIONS` ask something (a `?`
or a request phrase), `ACKNOWLEDGEMENTS` close a thread without asking, `OUTREACH` opens a thread without
asking and without any acknowledgement word. The ground truth relies on these tags, so a phrase added to a
pool must keep its pool's promise (tests/sandbox/test_generator_truth.py re-reads the text to check it).
"""

from __future__ import annotations

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Dana", "Sam", "Priya", "Jordan", "Chris", "Taylor", "Morgan", "Riley", "Avery", "Jamie", "Casey",
    "Quinn", "Noah", "Liam", "Emma", "Olivia", "Ava", "Mia", "Lucas", "Ethan", "Sofia", "Isabella", "Mateo",
    "Leo", "Hannah", "Grace", "Chloé", "Renée", "José", "Zoë", "Björn", "Søren", "Łukasz", "François",
    "Günther", "Ana", "Inés", "Mónica", "Nicolás", "Agnès", "Wei", "Mei", "Hiroshi", "Yuki", "Aiko", "Ravi",
    "Anika", "Arjun", "Deepa", "Vikram", "Fatima", "Omar", "Layla", "Yusuf", "Amara", "Kwame", "Chidi",
    "Ngozi", "Tariq", "Zara", "Elena", "Dmitri", "Katya", "Ivan", "Olga", "Piotr", "Agnieszka", "Marek",
    "Tomáš", "Jiří", "Lars", "Ingrid", "Astrid", "Nils", "Freya", "Sean", "Aoife", "Niamh", "Ciarán",
    "Declan", "Ben", "Kate", "Tom", "Lucy", "Harry", "Amelia", "Oscar", "Ella", "Jack", "Ruby", "Maya",
    "Eli", "Nora", "Isaac", "Alice", "Henry", "Clara", "Felix", "Iris", "Hugo",
)

LAST_NAMES: tuple[str, ...] = (
    "Kim", "Lee", "Patel", "Nguyen", "Garcia", "Smith", "Johnson", "Brown", "Williams", "Jones", "Miller",
    "Davis", "Wilson", "Anderson", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Dubois",
    "Müller", "Núñez", "Østergaard", "Dvořák", "Kowalczyk", "Schröder", "Håkansson", "Ibáñez", "Lefèvre",
    "Chen", "Wang", "Zhang", "Liu", "Tanaka", "Suzuki", "Sato", "Yamamoto", "Kumar", "Sharma", "Singh",
    "Gupta", "Iyer", "Reddy", "Okafor", "Mensah", "Adeyemi", "Haddad", "Khalil", "Rahman", "Hussain",
    "Ivanova", "Petrov", "Novak", "Horvat", "Kovács", "Nagy", "Jensen", "Larsen", "Nielsen", "Hansen",
    "Berg", "Lindqvist", "O'Brien", "Murphy", "Kelly", "Walsh", "Byrne", "Ryan", "Rossi", "Russo",
    "Ferrari", "Bianchi", "Costa", "Silva", "Santos", "Oliveira", "Pereira", "Almeida", "Fischer", "Weber",
    "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Clarke", "Hughes",
    "Green", "Hall", "Wood", "Turner", "Baker", "Cooper", "Ward", "Morris",
)
# fmt: on

# Names written in scripts Latin-1 cannot hold: only UTF-8 encoded words can carry them.
CJK_NAMES: tuple[tuple[str, str], ...] = (
    ("田中 太郎", "taro.tanaka"),
    ("李 伟", "wei.li"),
    ("김 민준", "minjun.kim"),
    ("山田 花子", "hanako.yamada"),
)

# fmt: off
COMPANIES: tuple[tuple[str, str], ...] = (
    ("Acme", "acme.io"), ("Globex", "globex.com"), ("Initech", "initech.io"),
    ("Umbrella Health", "umbrella.health"), ("Hooli", "hooli.xyz"), ("Stark Industries", "stark.example"),
    ("Wayne Enterprises", "wayne.example"), ("Cyberdyne", "cyberdyne.ai"),
    ("Soylent Labs", "soylent.example"), ("Vandelay Industries", "vandelay.example"),
    ("Pied Piper", "piedpiper.example"), ("Aperture Science", "aperture.example"),
    ("Tyrell Corp", "tyrell.example"), ("Wonka Foods", "wonka.example"), ("Oscorp", "oscorp.example"),
    ("Massive Dynamic", "massive.example"), ("Nakatomi Trading", "nakatomi.example"),
    ("Gringotts Finance", "gringotts.example"), ("Blue Sun", "bluesun.example"),
    ("Monarch Solutions", "monarch.example"), ("Dunder Mifflin", "dunder.example"),
    ("Prestige Worldwide", "prestige.example"), ("Bluth Company", "bluth.example"),
    ("Sterling Cooper", "sterling.example"), ("Northwind Traders", "northwind.example"),
    ("Contoso", "contoso.example"), ("Fabrikam", "fabrikam.example"), ("Tailspin Toys", "tailspin.example"),
    ("Lamna Health", "lamna.example"), ("Kiteworks", "kiteworks.example"),
    ("Brightline Data", "brightline.example"), ("Quantum Leap", "qleap.example"),
    ("Orbital Freight", "orbital.example"), ("Greenfield Energy", "greenfield.example"),
    ("Helix Bio", "helixbio.example"), ("Lumen Analytics", "lumen.example"),
)
# fmt: on

RECRUITING_FIRMS: tuple[tuple[str, str], ...] = (
    ("TalentBridge", "talentbridge.example"),
    ("Hirewell Partners", "hirewell.example"),
    ("Northstar Search", "northstar.example"),
    ("PeopleFirst Recruiting", "peoplefirst.example"),
    ("Apex Talent", "apextalent.example"),
    ("Signal Hire", "signalhire.example"),
)

PERSONAL_DOMAINS: tuple[str, ...] = ("mail.example", "inbox.example", "post.example", "fastmail.example")

TITLES: dict[str, tuple[str, ...]] = {
    "recruiter": (
        "Technical Recruiter",
        "Senior Talent Partner",
        "Talent Acquisition Lead",
        "Executive Recruiter",
    ),
    "hiring_manager": ("Engineering Manager", "Director of Engineering", "Head of Data", "VP Engineering"),
    "colleague": ("Staff Engineer", "Product Manager", "Data Scientist", "Designer", "Engineering Lead"),
    "friend": ("",),
    "mentor": ("CTO", "Principal Engineer", "Partner", "Founder"),
    "client": ("COO", "Head of Operations", "Product Director", "CEO"),
    "peer": ("Maintainer", "Organiser", "Software Engineer", ""),
}

ROLES: tuple[str, ...] = (
    "Staff Engineer",
    "Senior Data Engineer",
    "Engineering Manager",
    "Platform Lead",
    "Principal Consultant",
    "Head of Analytics",
    "Solutions Architect",
    "Senior Backend Engineer",
    "Tech Lead",
    "Product Engineer",
)
TEAMS: tuple[str, ...] = (
    "Platform",
    "Data",
    "Payments",
    "Growth",
    "Infrastructure",
    "Search",
    "Mobile",
    "Risk",
)
TOPICS: tuple[str, ...] = (
    "the migration plan",
    "the data platform",
    "the pricing model",
    "the Q3 roadmap",
    "the hiring plan",
    "the reliability work",
    "the analytics rebuild",
    "the vendor review",
    "the onboarding flow",
    "the API redesign",
)
PLACES: tuple[str, ...] = (
    "Café Nero",
    "the Monmouth on Borough",
    "Brick Lane Coffee",
    "Caffè Vergnano",
    "Zürich HB",
)

# Subjects per relationship kind; `{role}`, `{company}`, `{team}`, `{topic}`, `{first}` are filled in.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "recruiter": (
        "{role} opportunity at {company}",
        "Your profile — {role}",
        "Next steps: {company}",
        "Quick chat about a {team} role?",
        "{company} × Alex — {role}",
    ),
    "hiring_manager": (
        "{team} team at {company}",
        "Interview follow-up",
        "Take-home exercise",
        "Offer details — {role}",
        "Re: {role} process",
    ),
    "colleague": ("{topic}", "Old project notes", "Lunch sometime?", "Reference for {first}", "Team reunion"),
    "friend": (
        "Weekend plans",
        "Hiking on Saturday",
        "Dinner next week?",
        "Photos from the trip",
        "Happy birthday!",
    ),
    "mentor": (
        "Career advice",
        "Catching up",
        "Book recommendation",
        "Thoughts on {topic}",
        "Quarterly check-in",
    ),
    "client": (
        "{company} — {topic}",
        "Invoice for {month}",
        "Proposal: {topic}",
        "Statement of work",
        "Workshop agenda",
    ),
    "peer": (
        "[{list}] {topic}",
        "[{list}] Question about {topic}",
        "[{list}] Release notes draft",
        "[{list}] Meetup in {month}",
    ),
}
MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NON_ASCII_SUBJECTS: tuple[str, ...] = (
    "Café in Zürich?",
    "Résumé — final version",
    "Naïve question about {topic}",
    "Offsite in São Paulo 🎉",
    "Über-quick update",
    "Ångström release notes",
)

# Neutral statements: neither a question nor an acknowledgement. Filler text, never last in a recent thread.
STATEMENTS: tuple[str, ...] = (
    "I have put the notes from our last conversation in the shared folder.",
    "Attached is the updated version of {topic}.",
    "Here is the summary I promised, with the numbers from last quarter.",
    "The team shipped the first part of {topic} this week.",
    "I spoke with a few people about {topic} and the picture is clearer now.",
    "My calendar is fairly open next week if that helps with planning.",
    "I finished the draft of {topic}; it is in the usual place.",
    "We moved the workshop to the second week of {month}.",
)

# Questions and requests: each has a `?` or a request phrase of rules/settings.py, and no
# acknowledgement word.
QUESTIONS: tuple[str, ...] = (
    "Could you share the timeline for the next steps?",
    "Would you be open to a short call next week?",
    "Do you have 20 minutes on Thursday to go through {topic}?",
    "Any update on the {role} role?",
    "What do you think of the proposal for {topic}?",
    "Are you available for a chat on Friday afternoon?",
    "Can you send me the job description for the {team} team?",
    "Is the {role} position still open?",
    "Who would be the right person to talk to about {topic}?",
    "When would suit you for a coffee near {place}?",
    "Let me know which of the two options you prefer for {topic}.",
    "Please confirm whether the 14:00 slot on Tuesday still works.",
    "How is {topic} going on your side?",
)

# Opening outreach: no `?`, no request phrase, no acknowledgement word. The rule counts it as expecting
# an answer because it opens the thread.
OUTREACH: tuple[str, ...] = (
    "I am reaching out about the {role} opening at {company}. I have spent the last six years building data "
    "platforms and would welcome a conversation about the team.",
    "{intro_name} suggested I get in touch. I am exploring {role} roles and your work on {topic} "
    "caught my eye.",
    "I came across the {team} team at {company} and I believe my background in {topic} is a close fit.",
    "I am a consultant working on {topic} and I would value twenty minutes of your time to compare notes.",
)

ACKNOWLEDGEMENTS: tuple[str, ...] = (
    "Thanks, sounds good!",
    "Perfect, see you then.",
    "Got it, thank you.",
    "Great news — congrats!",
    "Will do, thanks.",
    "Noted, thanks for the heads-up.",
    "Thank you, that is really helpful.",
    "Sounds good, see you on Tuesday.",
)

FOLLOW_UPS: tuple[str, ...] = (
    "Just following up on my note below — any update?",
    "Bumping this in case it got buried: could you let me know where things stand?",
    "Circling back on this one. Would you have a moment this week?",
)

SETTLERS: tuple[str, ...] = (
    "Never mind, I found it in the shared folder — thanks!",
    "Scratch that, all sorted now. Thanks anyway.",
)

THANK_YOU_NOTES: tuple[str, ...] = (
    "Thank you for taking the time to meet today. I really enjoyed hearing about {topic}.",
    "Thank you for the conversation earlier. It was a pleasure to learn more about the {team} team.",
    "Thanks so much for the coffee and for the advice on {topic}.",
    "Thank you again for the interview today — I left even more excited about the {role} role.",
)
THANK_YOU_SUBJECTS: tuple[str, ...] = (
    "Thank you",
    "Thanks for today",
    "Thank you — {summary}",
    "Re: {summary}",
)

# What the other side writes: anything goes here, it never decides a finding by itself.
CONTACT_LINES: tuple[str, ...] = (
    "Hope you are well! I wanted to pick up where we left off on {topic}.",
    "Thanks for your note. Tuesday works on my side.",
    "Good to hear from you. Are you around for a coffee near {place} soon?",
    "I shared your profile with the {team} team and they would like to talk.",
    "Quick one: do you have the latest version of {topic}?",
    "Happy to help. I will send over a couple of names this week.",
    "Sorry for the slow reply, it has been a busy month.",
    "The hiring manager liked your background; the next step is a call with the {team} lead.",
    "That makes sense. Let us pick it up after the holidays.",
    "Congratulations on the new role!",
)
GREETINGS: tuple[str, ...] = ("Hi {first},", "Hello {first},", "Hey {first},", "Dear {first},", "{first},")
USER_SIGNOFFS: tuple[str, ...] = ("Best,", "Cheers,", "All the best,", "Kind regards,", "Best wishes,")

MEETING_TITLES: dict[str, tuple[str, ...]] = {
    "interview": (
        "Interview — {team} team",
        "{company} interview: {role}",
        "Technical interview ({company})",
        "Final round — {company}",
    ),
    "coffee": ("Coffee with {first}", "Coffee chat: {first} / Alex", "Coffee at {place}"),
    "intro": ("Intro call: {company} × Alex", "Intro: {first} <> Alex", "Intro call"),
    "catch_up": (
        "Catch up — {first}",
        "Catch-up with {first}",
        "Lunch with {first}",
        "Quick call re {topic}",
    ),
    "work": (
        "Portfolio review",
        "{company} project review",
        "Proposal walkthrough",
        "Workshop prep — {topic}",
    ),
}

NEWSLETTERS: tuple[tuple[str, str, str], ...] = (
    ("The Pragmatic Dispatch", "newsletter", "dispatch.example"),
    ("Data Engineering Weekly", "hello", "deweekly.example"),
    ("Morning Brew Tech", "crew", "brewtech.example"),
    ("Hacker Digest", "digest", "hackerdigest.example"),
    ("LeadDev", "news", "leaddev.example"),
    ("Python Weekly", "editor", "pythonweekly.example"),
    ("Remote Jobs Roundup", "jobs", "remoteroundup.example"),
    ("Product Hunt Daily", "daily", "producthunt.example"),
)
NOTIFIERS: tuple[tuple[str, str, str], ...] = (
    ("LinkedIn", "notifications-noreply", "linkedin.example"),
    ("LinkedIn Job Alerts", "jobalerts-noreply", "linkedin.example"),
    ("GitHub", "notifications", "github.example"),
    ("Greenhouse", "no-reply", "greenhouse.example"),
    ("Workable", "noreply", "workable.example"),
    ("Monzo", "alerts", "monzo.example"),
    ("Zoom", "no-reply", "zoom.example"),
    ("Calendly", "notifications", "calendly.example"),
    ("Slack", "feedback", "slack.example"),
    ("Lever", "updates", "lever.example"),
    ("DocuSign", "dse", "docusign.example"),
)
NOTIFICATION_SUBJECTS: tuple[str, ...] = (
    "You appeared in {n} searches this week",
    "New jobs matching {role}",
    "Your application was received",
    "Payment received",
    "Your meeting has been scheduled",
    "[repo] Pull request #{n} merged",
    "Reminder: your interview is tomorrow",
    "Security alert: new sign-in",
    "Your weekly summary",
    "Document ready for signature",
)
