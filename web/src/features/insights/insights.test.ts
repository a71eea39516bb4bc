import { describe, expect, it } from 'vitest';

import { csvName, toCsv } from './csv';
import { duration, percent } from './format';
import { heatColour, heatMap } from './heat';

describe('toCsv', () => {
  const columns = [
    { header: 'Node', value: (r: { title: string; n: number | null }) => r.title },
    { header: 'Visits', value: (r: { title: string; n: number | null }) => r.n },
  ];

  it('quotes what needs it and ends lines with CRLF', () => {
    expect(
      toCsv(
        [
          { title: 'Yes, "really"', n: 3 },
          { title: 'Two\nlines', n: null },
        ],
        columns,
      ),
    ).toBe('Node,Visits\r\n"Yes, ""really""",3\r\n"Two\nlines",\r\n');
  });

  it('keeps formulas as text', () => {
    expect(toCsv([{ title: '=HYPERLINK("x")', n: -1 }], columns)).toBe('Node,Visits\r\n"\'=HYPERLINK(""x"")",-1\r\n');
    expect(toCsv([{ title: '@cmd', n: 1 }], columns)).toBe("Node,Visits\r\n'@cmd,1\r\n");
  });

  it('names files after the title', () => {
    expect(csvName('Printer jams!', 'nodes')).toBe('printer-jams-nodes.csv');
    expect(csvName('***')).toBe('table.csv');
  });
});

describe('format', () => {
  it('reads durations and rates', () => {
    expect(duration(null)).toBe('–');
    expect(duration(12.5)).toBe('12.5 s');
    expect(duration(180)).toBe('3 min');
    expect(duration(4800)).toBe('1 h 20 min');
    expect(duration(86400 * 3)).toBe('3 d');
    expect(percent(1 / 3)).toBe('33.3 %');
  });
});

describe('heatMap', () => {
  const nodes = [
    { node_id: 'a', visits: 10, drop_off_rate: 0.1, time: { median_seconds: 30 } },
    { node_id: 'b', visits: 5, drop_off_rate: 0.5, time: { median_seconds: null } },
    { node_id: 'c', visits: 0, drop_off_rate: 0, time: { median_seconds: 60 } },
  ];

  it('scales each metric against its hottest node', () => {
    const visits = heatMap(nodes, 'visits');
    expect(visits.get('a')).toEqual({ level: 1, label: '10 visits' });
    expect(visits.get('b')?.level).toBe(0.5);
    expect(heatMap(nodes, 'drop_off').get('b')).toEqual({ level: 1, label: '50 % drop-off' });
    const time = heatMap(nodes, 'time');
    expect(time.get('c')).toEqual({ level: 1, label: 'median 1 min' });
    expect(time.get('b')).toEqual({ level: 0, label: 'no time yet' });
  });

  it('is cold everywhere when nothing ran', () => {
    expect(
      heatMap([{ node_id: 'c', visits: 0, drop_off_rate: 0, time: { median_seconds: null } }], 'visits').get('c')
        ?.level,
    ).toBe(0);
    expect(heatColour(0)).toBe('hsl(55 90% 90%)');
    expect(heatColour(2)).toBe('hsl(0 90% 58%)');
  });
});
