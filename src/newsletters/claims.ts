// The health-claims check. Meridian sends health copy, which the FTC (US) and
// the ASA (UK) police: absolute medical claims ("cures sciatica", "no side
// effects", "clinically proven") must not go out unreviewed. Pure: text in,
// findings with their line out. Scheduling refuses an issue with a finding
// that its front matter does not acknowledge by name.

export interface ClaimRule {
  /** The name a marketer writes in `acknowledgedClaims` to keep the wording on purpose. */
  name: string;
  pattern: RegExp;
  /** Whether "not", "no", "never", "cannot" just before the phrase makes it harmless ("not a cure"). */
  negatable: boolean;
  /** What to write instead. */
  advice: string;
}

export const CLAIM_RULES: readonly ClaimRule[] = [
  { name: 'cure', pattern: /\bcur(?:e|es|ed|ing)\b/gi, negatable: true, advice: 'say what may ease or help, not what cures' },
  { name: 'guaranteed', pattern: /\bguarantee(?:d|s)?\b/gi, negatable: true, advice: 'results vary from person to person; say so' },
  {
    name: 'permanent relief',
    pattern: /\bpermanent(?:ly)?\s+(?:relie(?:f|ve[sd]?)|results?|fix(?:es|ed)?|heal(?:s|ed|ing)?|solutions?|end(?:s|ed)?)\b|\b(?:relie(?:f|ve[sd]?)|gone|fixed|healed)\s+(?:for\s+good|forever|permanently)\b/gi,
    negatable: true,
    advice: 'say that effects can last, for some people, for a while',
  },
  {
    name: 'no side effects',
    pattern: /\b(?:no|zero|without(?:\s+any)?|free\s+(?:of|from))\s+(?:(?!the\b)\w+\s+)?side[- ]effects?\b|\bside[- ]effect[- ]free\b/gi,
    negatable: false,
    advice: 'name the usual, mild side effects (soreness, bruising) or compare with medication',
  },
  {
    name: 'clinically proven',
    pattern: /\b(?:clinically|scientifically|medically)\s+(?:proven|tested|validated)\b|\bproven\s+to\b/gi,
    negatable: true,
    advice: 'say what studies suggest, and link to them',
  },
  { name: 'miracle', pattern: /\bmiracle\w*\b/gi, negatable: true, advice: 'describe the treatment plainly' },
  { name: 'risk-free', pattern: /\brisk[- ]free\b|\b(?:completely|totally|100%|perfectly)\s+safe\b/gi, negatable: true, advice: 'say it is generally safe in trained hands' },
  { name: 'instant relief', pattern: /\binstant(?:ly)?\s+(?:relie(?:f|ve[sd]?)|results?|cure)\b/gi, negatable: true, advice: 'some people notice a change soon; many need several sessions' },
  {
    name: 'eliminates pain',
    pattern: /\b(?:eliminat|eradicat|banish)\w*\s+(?:\w+\s+)?(?:pain|sciatica|symptoms)\b|\bpain[- ]free\s+(?:for\s+good|forever)\b/gi,
    negatable: true,
    advice: 'say it may ease pain',
  },
  { name: 'works for everyone', pattern: /\bworks\s+for\s+every(?:one|body)\b|\b100\s?%\s+(?:effective|success)\b/gi, negatable: true, advice: 'results vary from person to person' },
];

export const CLAIM_NAMES: readonly string[] = CLAIM_RULES.map((r) => r.name);

export interface ClaimFinding {
  /** The rule's name, as acknowledged in front matter. */
  claim: string;
  /** The words as written. */
  phrase: string;
  /** 1-based line in the text given (plus the caller's offset). */
  line: number;
  /** 1-based column of the phrase. */
  column: number;
  advice: string;
}

const NEGATION = /\b(?:not|no|never|cannot|can't|won't|isn't|aren't|doesn't|don't|nor|without)\b(?:\s+\S+){0,3}\s*$/i;

/** Every absolute claim in `text`, with its line number (`firstLine` is the number of the first line). */
export function findHealthClaims(text: string, firstLine = 1): ClaimFinding[] {
  const findings: ClaimFinding[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, lineText] of lines.entries()) {
    for (const rule of CLAIM_RULES) {
      for (const match of lineText.matchAll(rule.pattern)) {
        // "not a cure", "we cannot guarantee": the careful wording is fine.
        const before = lineText.slice(Math.max(0, match.index - 40), match.index);
        if (rule.negatable && NEGATION.test(before)) continue;
        findings.push({ claim: rule.name, phrase: match[0], line: firstLine + i, column: match.index + 1, advice: rule.advice });
      }
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The findings whose claim is not acknowledged by name. */
export function unacknowledged(findings: readonly ClaimFinding[], acknowledged: readonly string[]): ClaimFinding[] {
  const ok = new Set(acknowledged.map((a) => a.trim().toLowerCase()));
  return findings.filter((f) => !ok.has(f.claim));
}
