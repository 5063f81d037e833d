"""Issue 11 of the SOC Local Partnerships Bulletin (August 2019), built in Python.

This is the same issue as the YAML files in ``issues/2019-08/``, written with
the model classes instead: :func:`issue_11` returns an :class:`Issue` equal to
``load_issue("issues/2019-08")``, and building it writes byte-identical
``index.html``, ``index.txt`` and ``index.mjml`` to::

    soc-bulletin build issues/2019-08 -o OUT_DIR

Each YAML block has a Python counterpart: ``text:`` is ``Text(markdown)``,
``list:`` is ``BulletList(items=(...))``, ``figures:`` is
``Figures((Figure(value, label), ...))``, ``contact:`` is
``Contacts((Contact(...),))`` and ``contacts: {title, people}`` is
``Contacts((Contact(...), ...), title=...)``. Markdown strings are exactly what
YAML yields: a ``|`` block scalar ends with one newline, so each ``Text`` does
too. Images are found relative to the issue folder, passed to ``build_issue`` as
``root``.

Usage::

    python examples/issue_11.py OUT_DIR
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from soc_bulletin.content.model import (
    Article,
    BulletList,
    Callout,
    Contact,
    Contacts,
    Figure,
    Figures,
    Image,
    Issue,
    Quote,
    Section,
    Text,
    Welcome,
)
from soc_bulletin.render.build import build_issue

#: The issue folder: where ``images/...`` paths are found.
ROOT = Path(__file__).resolve().parent.parent / "issues" / "2019-08"


WELCOME = Welcome(
    "Welcome to the eleventh edition of our Serious and Organised Crime (SOC) Partnerships "
    "Bulletin, developed to share good practice from across government, law enforcement and "
    "the public, private and voluntary sectors. We hope these articles will form the basis for "
    "practitioners and policymakers to interact and share information to help develop both "
    "local activity and national policy that will protect the public from SOC.\n\n"
    "In the last edition, amongst other things, we reported on progress of the Home Office's "
    "SOC Strategy Multi-Agency Workshops and introduced the first of two regular features on "
    "community resilience and lifetime offender management of SOC offenders. We also "
    "highlighted a number of important projects working to reduce individuals' vulnerability "
    "to SOC, as well as recent developments in the world of data analytics.\n\n"
    "In this edition we are pleased to showcase the Home Office's SOC Community Coordinators "
    "programme which is driving a whole-system response at local partnership level; the new "
    "Single Competent Authority for streamlining NRM referrals; impressive partnership working "
    "to tackle money laundering as part of our economic crime feature; as well as various "
    "activity in the communities, vulnerability and lifetime offender management space.\n\n"
    "The SOC Partnerships Bulletin is released on a quarterly basis by the Home Office's SOC "
    "policy group. If you have an article which you would like to feature in a future edition, "
    "please email the team mailbox below. If you have any further feedback/suggestions or "
    "questions, please contact your usual SOC contact or the SOC Partnerships mailbox at: "
    "<SCOC.localpartnerships@homeoffice.gov.uk>\n"
)


# From the Centre


def special_competent_authority() -> Article:
    """Special Unit Established to Support Modern Slavery Victims"""
    return Article(
        slug="special-competent-authority",
        title="Special Unit Established to Support Modern Slavery Victims",
        blocks=(
            Text(
                "April 29th saw the launch of the Single Competent Authority (SCA) for the "
                "Modern Slavery National Referral Mechanism (NRM) by the Home Office. This is "
                "a unit responsible for both the identification and management of modern "
                "slavery victims across the UK.\n\n"
                "In recent years, the numbers of victims identified and supported through the "
                "NRM has increased significantly, primarily due to the rising awareness of "
                "modern slavery crimes. 2018 saw a referral of 6,993 victims, which was a 36% "
                "increase on the year before, with the number of UK national referrals "
                "increasing by almost 100% during this period too.\n\n"
                "The SCA has been formed as part of a wide programme to reform the NRM, with "
                "reforms including improvements to the identification process and the support "
                "provision for victims. Until April, the identification of victims was led by "
                "UK Visas & Immigration and the National Crime Agency, and the management of "
                "victim care was led by the Modern Slavery Unit. The significance of the SCA "
                "can be found in how it brings both aspects of helping modern slavery victims "
                "together and makes intelligence sharing significantly easier.\n\n"
                "First Responder organisations such as police forces, immigration officials "
                "and local authorities are primarily in charge of referring modern slavery "
                "victims. These organisations will soon be able to submit referrals using a "
                "new online form which will feed into a bigger system used by the SCA, making "
                "the response to modern slavery much more dynamic and efficient. We currently "
                "have some First Responders testing this new form, and further information "
                "will be communicated to all relevant organisations in preparation for the "
                "launch of this new system.\n\n"
                "The SCA is also responsible for the management of the Victim Care Contract, "
                "through which the government supports victims of modern slavery in England "
                "and Wales. This support is provided through the Salvation Army, which uses a "
                "network of subcontractors to provide accommodation and support services for "
                "those who are most in need.\n\n"
                "For more information on the SCA, please contact\n"
            ),
            Contacts((Contact("alice.matthews3@homeoffice.gov.uk", organisation="Home Office"),)),
        ),
    )


# Meet the...


def soc_community_coordinators() -> Article:
    """SOC Community Coordinators"""
    return Article(
        slug="soc-community-coordinators",
        title="SOC Community Coordinators",
        blocks=(
            Text(
                "Funded through the Police Transformation Fund (PTF), the Home Office's "
                "Serious and Organised Crime (SOC) Community Coordinator programme is a key "
                "enabler for SOC Strategy implementation at local partnership level.\n\n"
                "The project has so far worked to deliver a whole system approach to tackling "
                "SOC through activities that involve targeted Prevent interventions, community "
                "resilience-building and strategic communications that develop capability on "
                "the ground. Since its introduction in 2018/2019 the programme has represented "
                "a change in the Home Office's approach to reducing the impact of SOC on "
                "communities and protecting the most vulnerable members of society from "
                "criminal exploitation.\n\n"
                "In its first year, the programme was delivered in Bradford, West Yorkshire; "
                "Brighton, Sussex; Newport, Gwent; Sedgemoor, Avon and Somerset; and Speke, "
                "Merseyside in conjunction with Halton, Cheshire. In 19/20 the programme is "
                "being expanded to Birmingham, West Midlands; Haringey and Enfield, London; "
                "and Grimsby and Immingham, Humberside.\n\n"
                "In most cases coordinators are based within local police forces. Each "
                "receives an annual budget and is responsible for embedding themselves within, "
                "and galvanising local partnerships. Day to day they work to identify and "
                "commission local projects, capturing and strengthening the evidence base "
                "around what works for reducing vulnerability to SOC, at both an individual "
                "and a community-level. Coordinators are also working to mobilise additional "
                "local and national funding streams to bolster their existing Home Office "
                "allocation and up lift the scale, reach and impact of project activity.\n\n"
                "You can read about some of the projects delivered on page 7 and page 8 of "
                "this quarter's edition.\n"
            ),
            Contacts(
                (
                    Contact("Corrina.Griffiths@west-midlands.pnn.police.uk", role="Birmingham"),
                    Contact("Michael.cox1@westyorkshire.pnn.police.uk", role="Bradford"),
                    Contact("Donna.Ward@sussex.pnn.police.uk", role="Brighton"),
                    Contact("Steven.Peck@humberside.pnn.police.uk", role="Grimsby / Immingham"),
                    Contact("Stuart.J.Smillie@met.police.uk", role="Haringey / Enfield"),
                    Contact("Paul.Davies@gwent.pnn.police.uk", role="Newport"),
                    Contact("John.Pennycook@homeoffice.gov.uk", role="Sedgemoor"),
                    Contact("Jimmy.Belmar@merseyside.police.uk", role="Speke / Halton"),
                ),
                title="The Coordinators",
            ),
            Text(
                "For more information on the programme at large, please contact the Home "
                "Office's project manager, <Nigel.Page7@homeoffice.gov.uk>\n"
            ),
            Contacts((
                Contact(
                    "Nigel.Page7@homeoffice.gov.uk",
                    role="Project manager",
                    organisation="Home Office",
                ),
            )),
        ),
    )


def asset_recovery_action_plan() -> Article:
    """Asset Recovery Action Plan"""
    return Article(
        slug="asset-recovery-action-plan",
        title="Asset Recovery Action Plan",
        blocks=(
            Text(
                "The UK has been recognised as a world-leader in combatting economic crime, "
                "with the Financial Action Taskforce giving us the highest rating of any "
                "country assessed. Nevertheless, the Government have gone even further by "
                "publishing this Action Plan, which will continue to close in on criminals and "
                "the spaces used for their illegal activities.\n\n"
                "Economic crime poses a significant threat to our security and prosperity "
                "despite our successes in tackling it. Serious and organised crime is "
                "estimated to cost the UK at least £37 billion each year, and tens of billions "
                "of pounds of criminal and corrupt funds are laundered through the UK every "
                "year. Across the country, organised crime groups use a myriad of ways to "
                "launder the proceeds of their criminality, to enjoy the profits of the misery "
                "they have caused others and to re-invest in their drug dealing, human "
                "trafficking and fraud.\n\n"
                "More assets have been recovered recently than ever before, with £1.6 billion "
                "taken from criminals between April 2010 and March 2018 using the powers in "
                "the Proceeds of Crime Act 2002 and many hundreds of millions more have been "
                "frozen. But the Government is determined to go further and ensure criminals "
                "have nowhere to hide their illicit finances. For this reason, on July 12, the "
                "Government published the new Asset Recovery Action Plan (ARAP) alongside the "
                "Economic Crime Plan.\n\n"
                "Our aim is to leave no safe space for organised criminals to operate; "
                "targeting the proceeds of their crimes is a key way of disrupting and "
                "deterring them. As set out in the Serious and Organised Crime (SOC) strategy, "
                "the Economic Crime Plan and the ARAP, we need to take a whole system approach "
                "to tackling crime and depriving criminals of their ill-gotten gains.\n\n"
                "The ARAP sets out how we will work collaboratively to reform and improve the "
                "asset recovery regime, to see a return to year-on-year increases in the value "
                "of assets denied to and recovered from criminals. It also sets out a clear "
                "ambition to work across Government and the private sector to develop new, "
                "innovative approaches to recovering unenforced confiscation orders.\n\n"
                "Drawing on the expertise of operational leaders in law enforcement and "
                "prosecution agencies to achieve these aims, the Government's objectives for "
                "asset recovery are structured around four pillars:\n"
            ),
            BulletList(items=(
                (
                    "**Legal Powers** – we will examine where the current law might be "
                    "improved and consider the provision of new powers."
                ),
                (
                    "**Improve Operational Performance** – to achieve greater consistency in "
                    "the prioritisation and delivery of financial investigation, essential for "
                    "an effective operational response, across all UK law enforcement agencies."
                ),
                (
                    "**Continuously Review and Embed Best Practice** – so that we build a "
                    "clear evidence base of what works and improve our collective response by "
                    "ensuring our efforts are targeted effectively."
                ),
                (
                    "**Fostering Innovation and Collaboration** – working with stakeholders to "
                    "examine the wider capability that exists through public / private "
                    "partnership approaches and identify the best practice, techniques and "
                    "partnership arrangements that could be brought to bear against criminals."
                ),
            )),
            Text(
                "This overall approach will drive the delivery of the Government's objectives "
                "for Asset Recovery: disrupt criminal activity; deprive criminals of their "
                "proceeds of crime; discredit negative role models in society; and deter "
                "others from becoming involved in crime.\n\n"
                "To read the ECP in full, visit "
                "<https://www.gov.uk/government/publications/economic-crime-plan-2019-to-2022>\n\n"
                "To read the ARAP in full, visit "
                "<https://www.gov.uk/government/publications/asset-recovery-action-plan>\n\n"
                "For more information, please contact <Neil.Curtis@homeoffice.gov.uk>\n"
            ),
            Contacts((Contact("Neil.Curtis@homeoffice.gov.uk", organisation="Home Office"),)),
        ),
    )


# Lifetime Offender Management


def crime_in_prison_referral_agreement() -> Article:
    """New Crime in Prison Referral Agreement Published"""
    return Article(
        slug="crime-in-prison-referral-agreement",
        title="New Crime in Prison Referral Agreement Published",
        standfirst=(
            "An agreement that helps tackle crimes committed in prison which seek to undermine "
            "both the safety of prisons and confidence in the entire criminal justice system."
        ),
        blocks=(
            Text(
                "Crimes committed within prison are incredibly damaging, with serious "
                "implications for the safety and discipline that is needed to maintain order "
                "in a disciplinary environment. It follows that these crimes also hinder the "
                "rehabilitation of offenders by restricting the time they can spend doing "
                "enriching activities or on offending behaviour programmes – which impacts our "
                "wider communities when these offenders are released.\n\n"
                "Therefore, crime in prison that goes unpunished or is dealt with "
                "ineffectively undermines prison safety and security, the efforts of the "
                "police, the Crown Prosecution Service (CPS) and belief in the effectiveness "
                "of our criminal justice system.\n\n"
                "In response to this, a new Crime in Prison Referral Agreement was published "
                "in May 2019, an agreement produced through working closely with police "
                "colleagues, the CPS, the Home Office and other agencies. The agreement sets "
                "out the means of referral, investigation and prosecution for crimes committed "
                "in prisons and immigration removal centres by any prisoner, staff member or "
                "visitor. The original protocol was published in 2015 and this 2019 agreement "
                "has now replaced that, with the new agreement placing greater emphasis on "
                "different partners working together and the expectations of all parties who "
                "have signed up to the agreement.\n\n"
                "Jonathan Store, Deputy Chief Crown Prosecutor has welcomed the agreement, "
                'stating that it "... builds on recent legislation, the Assaults on Emergency '
                "Workers (Offences) Act 2018, which treats an assault on prison staff as "
                "seriously as an assault on a police officer, by clearly setting out guidance "
                'for prosecutors when dealing with a crime in prison".\n\n'
                "Deputy Chief Constable Jason Hogg, the National Police Chiefs' Council lead "
                "for Prisons and Lifetime Offender Management notes 'The new agreement "
                "reflects wider police commitment to do more to support prisons to tackle the "
                "threat of crime in prisons, which impacts on our communities as well as on "
                "prisons. I am particularly pleased the agreement strengthens and builds on "
                "partnership working, which is essential in tackling all criminality in a "
                "whole-system way'.\n\n"
                "The full agreement can be viewed here: "
                "<https://www.gov.uk/government/publications/handling-crimes-in-prison-protocol>\n\n"
                "For more information on this topic, please contact Laura Fisher at "
                "<laura.fisher@justice.gov.uk>.\n"
            ),
            Contacts((
                Contact(
                    "laura.fisher@justice.gov.uk",
                    name="Laura Fisher",
                    organisation="Ministry of Justice",
                ),
            )),
            Text(
                "Dr Jamie Bennett, Deputy Director of Operational Security Group in HMPPS "
                "welcomed the new agreement\n"
            ),
            Quote(
                text=(
                    "I am delighted to see this new referral agreement introduced, this "
                    "represents a significant step forward in our work with the police and CPS "
                    "and will provide us with a more consistent approach to managing crimes "
                    "committed within prison."
                ),
                speaker="Dr Jamie Bennett",
                role="Deputy Director of Operational Security Group in HMPPS",
            ),
        ),
    )


# Community Resilience


def wolverhampton_hate_crime() -> Article:
    """Wolverhampton Church pledges to fight hate crime"""
    return Article(
        slug="wolverhampton-hate-crime",
        title="Wolverhampton Church pledges to fight hate crime",
        standfirst=(
            "St Peter's Collegiate Church has launched as a Third-Party Reporting Centre for "
            "Hate Crime, working in partnership with Safer Wolverhampton Partnership, West "
            "Midlands Police and Transforming Communities Together."
        ),
        blocks=(
            Text(
                "The local charity Transforming Communities Together co-hosted an event with "
                "West Midlands Police Wolverhampton Partnerships Team to train and equip "
                "churches, faith groups and charities to consider becoming Third Party "
                "Reporting Centres.\n\n"
                "Victims and witnesses of hate crimes and hate incidents often find it "
                "difficult to report the matter directly to the police but may feel more "
                "comfortable talking to other 'third party' community organisations. Staff and "
                "volunteers within these third-party reporting centres have been trained to "
                "help victims and witnesses to submit a report to the police or can make a "
                "report on their behalf.\n\n"
                "Transforming Communities Together Lead development worker James Henderson "
                'said, "This is a really exciting development for the city and is another way '
                "to see everyone flourish and thrive. We'd love to see more churches and faith "
                "groups in Wolverhampton receive hate crime training and consider becoming a "
                'Third-Party Reporting Centre."\n\n'
                "Deborah Smith, Prevent and Cohesion Officer for City of Wolverhampton Council "
                'explains, "There is no place for hate or prejudice here in Wolverhampton. We '
                "are working hard with our partners to raise awareness of hate crime and "
                "encourage communities to report it and get help. It is fantastic that St "
                "Peter's Church wants to support the city in this way, and we want to inspire "
                "and empower more people to be involved in tackling hate crime in more "
                'communities across Wolverhampton."\n'
            ),
            Image(
                src="images/wolverhampton-placeholder.png",
                alt=(
                    "Placeholder: photo of Deborah Smith, Revd. Preb. David Wright and Rev "
                    "Abbie Walsh at St Peter's Collegiate Church (photo not available)"
                ),
                caption=(
                    "Left to Right: Deborah Smith, Prevent and Cohesion Officer for City of "
                    "Wolverhampton Council, Revd. Preb. David Wright, Team Rector of the "
                    "Parish of Central Wolverhampton, Rev Abbie Walsh, Curate at St. Peter's "
                    "Collegiate Church, Wolverhampton"
                ),
                width=560,
            ),
        ),
    )


def participatory_budgeting_newport() -> Article:
    """Participatory Budgeting in Newport"""
    return Article(
        slug="participatory-budgeting-newport",
        title="Participatory Budgeting in Newport",
        standfirst=(
            "A partnership group in Newport has been working with local communities to unlock "
            "the potential in community assets in a bid to prevent crime, protect the "
            "vulnerable or support victims."
        ),
        blocks=(
            Text(
                "Gwent Police, Newport City Council, Milton primary school, Newport City Homes "
                "and the local Fire and Rescue Service have been working with MutualGain, a "
                "specialist community engagement organisation to improve the way organisations "
                "engage with the people they serve. Using World Café and Participatory "
                "Budgeting (PB) events, the partnership has been focusing on the Ringland and "
                "Always areas of Newport. The two adjacent wards have unemployment and crime "
                "levels above the national average and have been experiencing SOC related harm "
                "characterised by street level drug supply, child criminal exploitation, "
                "cuckooing, prostitution and vehicle theft.\n\n"
                "The initiative kicked off in February through a World Café in which the "
                "partnership initiated conversations with residents about SOC and what they "
                "felt was needed to improve their community. Attendees were invited to form a "
                "community planning group ahead of a PB event in March where local "
                "organisations and community groups pitched their bids for project funding. "
                "The bids, which had to be related to preventing crime, protecting the "
                "vulnerable or supporting victims, were assessed by a panel of residents from "
                "the planning group, supported by staff from the partnership agencies.\n\n"
                "For an area that had traditionally struggled to engage with police and "
                "frontline services, it was no small achievement that this event attracted "
                "nearly one hundred participants of all ages. A total of £15,000 of funding "
                "was made available by the Gwent Office of the Police and Crime Commissioner "
                "(OPCC) with £5,000 available per project. Sixteen bids at a combined value of "
                "£65,000 were received from a range of organisations in and around the "
                "Ringland and Alway area. Grants were awarded to Gwent Police Cadets, Newport "
                "Samaritans, Ringland Primary School and the Alway Boxing Club to take forward "
                "community-based initiatives that would tackle vulnerability and contribute to "
                "safer and more empowered neighbourhoods.\n\n"
                "MutualGain are also running a community coaching programme to provide "
                "additional support to local people and winners of the PB funds. This will "
                "support them to develop on a personal level and encourage them to achieve "
                "community focused goals that will provide foundations for stronger "
                "police/community relationships.\n\n"
                "The community feedback from the event has been exceptionally positive. "
                "MutualGain has since held feedback sessions with the community and the "
                "Partnership and will be holding an Action Planning event in June to ensure "
                "the sustainability of the success of the programme to date.\n\n"
                "For more information, please contact Paul Davies at "
                "<Paul.Davies@gwent.pnn.police.uk>\n"
            ),
            Contacts((
                Contact(
                    "Paul.Davies@gwent.pnn.police.uk",
                    name="Paul Davies",
                    organisation="Gwent Police",
                ),
            )),
            Callout(
                title="What is Participatory Budgeting?",
                body=(
                    "Participatory Budgeting is a process of democratic consultation and "
                    "decision-making in which ordinary people decide for themselves how to "
                    "allocate and part of a public budget. The PB approach can be an effective "
                    "technique for initiating social action and resilience building in "
                    "communities that may be facing adverse circumstances and where there may "
                    "be a lack of social cohesion, connectedness or inclusion. The approach "
                    "can help build relationships with the community and strengthen the social "
                    "capital in the area to begin to impact on local behavioural change.\n"
                ),
            ),
        ),
    )


# Tackling Vulnerability


def diverting_young_people_ceredigion() -> Article:
    """Diverting Young People in Ceredigion"""
    return Article(
        slug="diverting-young-people-ceredigion",
        title="Diverting Young People in Ceredigion",
        standfirst=(
            "Vulnerable young people in Ceredigion are being given the opportunity to "
            "recognise the consequences of becoming involved in serious and organised crime."
        ),
        blocks=(
            Text(
                "The Home Office and Ceredigion Youth Justice Board in Wales have funded a "
                "project aiming to help 31 young people recognise high-risk situations that "
                "could involve them in serious and organised crime (SOC) and practice ways of "
                "responding to those situations. The programme has also been supported by "
                "Ceredigion Youth Justice and Prevention Service as well as representatives "
                "from Choices Substance Misuse Team, Youth Services, Dyfed-Powys Police and "
                "Aberystwyth University.\n\n"
                "The interventions run over six weekly sessions packed with activities "
                "focusing on SOC activity and risk. The key sessions focus on emotions and "
                "behaviour, how to stay safe online, substance misuse, relationships and "
                "consent, where to get help (a drama activity) and an outdoor activity "
                "challenge.\n\n"
                "Of the 31 young people recruited, 29 have successfully completed the "
                "programme. As an example of the impact the programme is having:\n\n"
                "One participant was referred to the 6-week intensive programme by his "
                "headmaster as he was at severe risk of being drawn into SOC. He came from a "
                "background of domestic violence, had been assaulted by his father, was "
                "previously on the child protection register and was talking to adult "
                "strangers online. Suffering from low self-confidence, he was bullied and "
                "became a habitual absconder from school, whilst also being known for being "
                "aggressive and having a difficult relationship with the police. Through the "
                "work of the programme, he has since been provided with the support needed to "
                "address his behaviour and emotions and has been helped to learn how to stay "
                "safe online and build his confidence.\n\n"
                "As well as collecting data to track the progress made by the young people, "
                "the programme is also capturing data on SOC and a risk profile based on that "
                "group. An evaluation is currently being finalized with the intention to "
                "publish findings in the autumn.\n\n"
                "For more information on the programme, please contact "
                "<Harish.Dutt@homeoffice.gov.uk>\n"
            ),
            Contacts((Contact("Harish.Dutt@homeoffice.gov.uk", organisation="Home Office"),)),
        ),
    )


def modern_slavery_innovation_fund() -> Article:
    """Modern Slavery Innovation Fund – Phase 1 Results"""
    return Article(
        slug="modern-slavery-innovation-fund",
        title="Modern Slavery Innovation Fund – Phase 1 Results",
        standfirst=(
            "The results of the first phase of this £11m fund are in, founded to create a "
            "large scale, innovative international approach to tackling modern slavery."
        ),
        blocks=(
            Text(
                "Phase 1 of the fund comprised of ten projects and cost £6m from 2017 to 2019, "
                "with the aim of supporting victims and raising the resilience of those most "
                "vulnerable to this crime. During this period, the fund has also contributed "
                "to the evidence base, strengthened the capacity of overseas partners and "
                "promoted transparency in supply chains.\n\n"
                "The key achievements of Phase 1 have included:\n"
            ),
            Figures((
                Figure("1,289", "victims were supported,"),
                Figure("3,234", (
                    "professionals (such as social workers and teachers) have been trained to "
                    "help them prevent modern slavery."
                )),
                Figure("24,251", (
                    "vulnerable people have been provided with services to help prevent them "
                    "from becoming victims, through means such as counselling and school "
                    "enrolment."
                )),
                Figure("93,162", (
                    "people have been reached directly through face-to-face prevention "
                    "communications, in events at schools, theatre performances and town hall "
                    "meetings."
                )),
            )),
            Text(
                "An independent review has been undertaken following Phase 1 and will inform "
                "how the Government moves forward with future modern slavery programmes, and "
                "particularly Phase 2 of the fund. The review findings concluded that the MSIF "
                "is an innovative fund that has used original thinking to tackle this issue, "
                "and that whilst Phase 1 was focused on enacting behavioural changes in the "
                "vulnerable, it will take longer than two years to create sustainable change. "
                "The review also noted that working politically in fragile overseas contexts "
                "and selecting the correct partners to collaborate with creates the most "
                "successful and long-term impact.\n\n"
                "Perhaps most crucially for Phase 2, research and evidence-generation has been "
                "found to be most effective when linked to tangible policy/programmatic "
                "outcomes.\n\n"
                "The final report including full lessons and recommendations will be shared "
                "soon, and the Modern Slavery Unit will also publish a public version of the "
                "report shortly to build the evidence-base in the wider modern slavery sector.\n\n"
                "For more information on the fund, please contact Awe Adenike at "
                "<adenike.awe1@homeoffice.gov.uk>\n"
            ),
            Contacts((
                Contact(
                    "adenike.awe1@homeoffice.gov.uk",
                    name="Awe Adenike",
                    organisation="Home Office",
                ),
            )),
        ),
    )


def parents_problem_or_solution() -> Article:
    """Parents – The problem or the solution?"""
    return Article(
        slug="parents-problem-or-solution",
        title="Parents – The problem or the solution?",
        standfirst=(
            "In response to the rise of youth crime in South Devon, a multi-agency approach "
            "was created to tackle it – and crucially, parents have been given a seat at the "
            "table."
        ),
        blocks=(
            Text(
                "In 2016, South Devon saw the emergence of youth gang culture and a "
                "significant escalation in crime and ASB. A multi-agency group was formed to "
                "coordinate intervention and prevention activity to safeguard the children "
                "involved and at risk. Every imaginable partner sat around the table, yet we "
                "had missed the very people required for real cultural change. Who...? The "
                "parents. For generations the phrase “I blame the parents” has been used, many "
                "of whom have unwittingly joined in the blame culture, viewing themselves as "
                "ineffective agents who are part of the problem. We were not even giving the "
                "parents a chance to be part of the solution. We began to engage parents, many "
                "had no idea of the emergence of gang culture or their children’s involvement. "
                "We were expecting them to deal with a problem that they did not know existed, "
                "were powerless to prevent and were then judging them by their failures.\n\n"
                "The traditional parent support model was reframed beyond recognition and the "
                "first Parent Support Group (PSG) ran in April 2018, the aim- to continue for "
                "3 months, the reality- the group has met fortnightly ever since. Parents who "
                "previously judged one another now come together inside and outside of group "
                "time to provide mutual support in crises. No longer do they feel alone or a "
                "failure, they have become a crucial conduit in safeguarding and educating not "
                "only their own children but others.\n\n"
                "The relationship and connectivity between the Parents and the Police was "
                "powerful. When applying for Youth Gang Injunctions we explained this was a "
                "safeguarding measure to protect their children and they trusted us, "
                "supporting the process rather than contesting it. One parent pinned the "
                "injunction to her fridge, another sacked their solicitor when he told her he "
                "could get her children off it.\n\n"
                "The parents formed a WhatsApp group, sharing information about individuals "
                "and situations that may pose a risk to their children. They developed a "
                "“cascade” system, missing episodes were reduced by contacting each other to "
                "locate their children, if their children were causing problems, Police would "
                "make contact and they would go and get their children out of the situation. "
                "This empowered the parents, they felt a valued part of the safeguarding "
                "mechanism and the demand reduction and their newfound support for the police "
                "was extraordinary.\n\n"
                "The parents now see themselves differently, as part of the solution not the "
                "problem and essential and powerful partners in turning the lives of their "
                "children, and their own around. They are supporting the establishment of new "
                "PSGs and buddy systems have been formed. The parents feel empowered to take "
                "back control, a clear cultural shift and community response is apparent. It "
                "took time for trust to be built with families who have hated police for "
                "generations and have extensive histories with many agencies, it all started "
                "with an acceptance that we needed help, honesty, patience and a blame free "
                "environment.\n\n"
                "For more information on this article, please contact Ceri Lloyd at "
                "<Ceri.Lloyd@devonandcornwall.pnn.police.uk>\n"
            ),
            Contacts((
                Contact(
                    "Ceri.Lloyd@devonandcornwall.pnn.police.uk",
                    name="Ceri Lloyd",
                    organisation="Devon and Cornwall Police",
                ),
            )),
        ),
    )


# Economic Crime


def fight_against_dirty_money() -> Article:
    """The Fight Against Dirty Money"""
    return Article(
        slug="fight-against-dirty-money",
        title="The Fight Against Dirty Money",
        standfirst=(
            "A fresh crackdown in the fight against dirty money has been launched through the "
            "publication of a new public-private Economic Crime Plan."
        ),
        blocks=(
            Text(
                "A new public-private Economic Crime Plan has been jointly endorsed by the "
                "Home Secretary and Chancellor through the Economic Crime Strategic Board. "
                "Representing a step-change in the UK's response to economic crime the plan "
                "sets out an ambitious agenda to strengthen our whole-system response for "
                "tackling economic crime. Developed in partnership across HMG, law enforcement "
                "and the private sector it sets out 52 key actions around seven strategic "
                "objectives.\n\n"
                "Strong domestic action will also support our efforts to combat economic crime "
                "and illicit financial flows at the international level therefore key actions "
                "include:\n"
            ),
            BulletList(items=(
                (
                    "Support to a whole-system overhaul including over £48 million in 2019-20 "
                    "to support new capability, including the multi-agency National Economic "
                    "Crime Centre."
                ),
                (
                    "Commitment to reform the Suspicious Activity Reporting regime and the "
                    "UK's Financial Intelligence Unit."
                ),
                (
                    "Promotion of innovation in the private sector, encouraging the use of new "
                    "technologies."
                ),
                (
                    "Establishment of a new crypto assets regime to address the use of bitcoin "
                    "and other electronic currencies."
                ),
                (
                    "Development of an effective transparency of ownership regime including "
                    "the reform of Companies House, transparency of overseas ownership of UK "
                    "property and reform of limited partnerships."
                ),
            )),
            Text(
                "### Strategic priorities\n"
            ),
            BulletList(items=(
                (
                    "Develop a better **understanding of the threat** posed by economic crime "
                    "and our **performance** in combatting economic crime"
                ),
                (
                    "Pursue better **sharing and usage of information** to combat economic "
                    "crime within and between the public and private sectors across all "
                    "participants"
                ),
                (
                    "Ensure the **powers, procedures and tools** of law enforcement, the "
                    "justice system and the private sector are as effective as possible"
                ),
                (
                    "Strengthen the **capabilities** of law enforcement, the justice system "
                    "and private sector to detect, deter and disrupt economic crime"
                ),
                (
                    "Build greater resilience to economic crime by enhancing the **management "
                    "of economic crime risk** in the private sector and the **risk-based "
                    "approach to supervision**"
                ),
                (
                    "Improve our systems for **transparency of ownership** of legal entities "
                    "and legal arrangements"
                ),
                (
                    "Deliver an **ambitious international strategy** to enhance security, "
                    "prosperity and the UK's global influence"
                ),
            )),
            Text(
                "By harnessing the capabilities, expertise and information of both the public "
                "and private sectors, the UK can remain world leading in the global fight "
                "against economic crime.\n\n"
                "The plan was published on 12 June and is available at:\n\n"
                "<https://www.gov.uk/government/publications/economic-crime-plan-2019-to-2022>\n\n"
                "If you'd like any further information, please contact either "
                "<clare.wilson9@homeoffice.gov.uk> or <helena.parselle@homeoffice.gov.uk>\n"
            ),
            Contacts(
                (
                    Contact("clare.wilson9@homeoffice.gov.uk", organisation="Home Office"),
                    Contact("helena.parselle@homeoffice.gov.uk", organisation="Home Office"),
                ),
            ),
        ),
    )


def jmlit() -> Article:
    """The Joint Money Laundering Intelligence Taskforce"""
    return Article(
        slug="jmlit",
        title="The Joint Money Laundering Intelligence Taskforce",
        standfirst=(
            "An innovative information sharing platform between law enforcement and the "
            "financial sector is recognised internationally as an example of best practice."
        ),
        blocks=(
            Text(
                "The Joint Money Laundering Intelligence Taskforce (JMLIT) has facilitated the "
                "exchanges and analysis of information relating to money laundering and wider "
                "economic threats since its inception in 2015. Consisting of over 40 financial "
                "institutions including the Financial Conduct Authority, Cifas and five "
                "law-enforcement agencies: the NCA, HMRC, the SFO, the City of London Police, "
                "and the Metropolitan Police Service, the JMLIT's public-private partnership "
                "model has generated very positive results.\n\n"
                "The three major successes of the JMLIT include:\n"
            ),
            BulletList(items=(
                (
                    "The support and development of over 500 law enforcement investigations "
                    "which have directly contributed to over 130 arrests and the seizure or "
                    "restraint of over £13m."
                ),
                (
                    "JMLIT private sector members have collaboratively identified over 5,000 "
                    "suspect accounts, and commenced over 3,500 of their own internal "
                    "investigations, to mitigate the threat of financial crime."
                ),
                (
                    "Financial sector-led expert working groups provide a platform for members "
                    "to discuss current or emerging threats, and to identify innovative ways "
                    "of collectively combating these threats. As a result, over 30 'JMLIT "
                    "Alert' reports have been shared with the wider financial industry to "
                    "assist in focussing the identification and implementation of "
                    "transactional monitoring system queries, in turn helping to mitigate "
                    "criminal methodologies used to exploit the UK's financial system."
                ),
            )),
            Text(
                "If the UK is to continue tackle multi-institutional, and multi-jurisdictional "
                "high-end money laundering schemes then a forum for information sharing is "
                "essential.\n\n"
                "For more information please contact <JMLIT@nca.gov.uk>\n"
            ),
            Contacts((Contact("JMLIT@nca.gov.uk", organisation="National Crime Agency"),)),
        ),
    )


def issue_11() -> Issue:
    """Issue 11 (August 2019), equal to ``load_issue("issues/2019-08")``."""
    return Issue(
        title="SOC Local Partnerships Bulletin",
        number=11,
        date=dt.date(2019, 8, 1),
        strapline="Working together to tackle Serious and Organised Crime",
        preheader="Meet the SOC Community Coordinators, the new Single Competent Authority and more",
        mailbox="SCOC.localpartnerships@homeoffice.gov.uk",
        welcome=WELCOME,
        sections=(
            Section("From the Centre", (special_competent_authority(),)),
            Section("Meet the...", (soc_community_coordinators(), asset_recovery_action_plan())),
            Section("Lifetime Offender Management", (crime_in_prison_referral_agreement(),)),
            Section("Community Resilience", (
                wolverhampton_hate_crime(),
                participatory_budgeting_newport(),
            )),
            Section("Tackling Vulnerability", (
                diverting_young_people_ceredigion(),
                modern_slavery_innovation_fund(),
                parents_problem_or_solution(),
            )),
            Section("Economic Crime", (fight_against_dirty_money(), jmlit())),
        ),
    )


def main(argv: list[str]) -> int:
    """Build Issue 11 into the folder named on the command line."""
    if len(argv) != 1:
        print("usage: python examples/issue_11.py OUT_DIR", file=sys.stderr)
        return 2
    result = build_issue(issue_11(), argv[0], root=ROOT)
    for path in result.files:
        print(f"wrote {path}")
    print(f"HTML size: {result.html_bytes:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
