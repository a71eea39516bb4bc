// Starter trees for "New from template": each one a complete tree that can be published as it
// is, to adapt to the team's own equipment. Created as a new draft through `POST trees/import`.

import type { TreeDocument } from '../../client';

type Node = TreeDocument['graph']['nodes'] extends (infer N)[] | undefined ? N : never;

const question = (id: string, title: string, body: string, options: [string, string][]): Node => ({
  id,
  kind: 'question',
  title,
  body,
  options: options.map(([label, next], i) => ({ id: `${id}_${i + 1}`, label, next })),
});
const action = (id: string, title: string, body: string, next: [string, string][]): Node => ({
  ...question(id, title, body, next),
  kind: 'action',
});
const solution = (id: string, title: string, body: string): Node => ({ id, kind: 'solution', title, body });
const escalation = (id: string, title: string, body: string): Node => ({ id, kind: 'escalation', title, body });

export interface TreeTemplate {
  id: string;
  title: string;
  summary: string;
  document: TreeDocument;
}

export const TEMPLATES: TreeTemplate[] = [
  {
    id: 'wifi-drops',
    title: 'Wi-Fi connection drops',
    summary: 'One device or all of them, the router, the signal, then the provider.',
    document: {
      tree: {
        title: 'Wi-Fi connection drops',
        description: 'The wireless connection keeps dropping or is very slow.',
        category: 'Network',
        tags: ['wifi', 'network', 'router'],
      },
      graph: {
        start: 'scope',
        variables: [
          {
            name: 'router_model',
            label: 'Router model',
            type: 'text',
            required: 'optional',
          },
        ],
        nodes: [
          question(
            'scope',
            'Does the connection drop on every device?',
            'Ask whether phones and other computers lose it too.',
            [
              ['Yes, every device', 'restart'],
              ['Only this device', 'forget'],
            ],
          ),
          action(
            'restart',
            'Restart the router',
            'Unplug the router for **30 seconds**, plug it back in and wait until its lights are steady (about two minutes).',
            [['Done', 'stable']],
          ),
          question('stable', 'Does the connection stay up for ten minutes?', '', [
            ['Yes', 'fixed_router'],
            ['No, it drops again', 'provider'],
          ]),
          action(
            'forget',
            'Forget the network on the device and join it again',
            'In the Wi-Fi settings, choose the network, **Forget**, then connect again with the password.',
            [['Done', 'device_ok']],
          ),
          question('device_ok', 'Does the device keep the connection now?', '', [
            ['Yes', 'fixed_device'],
            ['No', 'escalate_device'],
          ]),
          solution(
            'fixed_router',
            'Solved by restarting the router',
            'If it comes back often, note it: the router may be failing.',
          ),
          solution('fixed_device', 'Solved by joining the network again', ''),
          escalation(
            'provider',
            'Call the internet provider',
            'The line itself drops. Give them the router model and the times it dropped.',
          ),
          escalation('escalate_device', 'Send the device to the workshop', 'Its wireless adapter may be faulty.'),
        ],
      },
    },
  },
  {
    id: 'pc-no-power',
    title: 'Computer will not start',
    summary: 'Power, display, beeps and lights: from the socket to the workshop.',
    document: {
      tree: {
        title: 'Computer will not start',
        description: 'Nothing happens when the power button is pressed, or the screen stays black.',
        category: 'Hardware',
        tags: ['computer', 'power', 'hardware'],
      },
      graph: {
        start: 'lights',
        variables: [{ name: 'asset_tag', label: 'Asset tag', type: 'text', required: 'before_complete' }],
        nodes: [
          question('lights', 'Do any lights or fans come on when you press the power button?', '', [
            ['Yes', 'screen'],
            ['No, nothing at all', 'socket'],
          ]),
          action(
            'socket',
            'Check the power cable and the socket',
            'Plug the cable firmly at both ends, into a socket you know works. For a laptop, connect the charger and wait five minutes.',
            [['Done', 'starts']],
          ),
          question('starts', 'Does it start now?', '', [
            ['Yes', 'fixed_power'],
            ['No', 'workshop'],
          ]),
          question('screen', 'Does the screen show anything?', 'A logo, text or a blinking cursor counts.', [
            ['Yes', 'boots'],
            ['No, it stays black', 'monitor'],
          ]),
          action(
            'monitor',
            'Check the monitor',
            'Make sure the monitor is on, its cable is seated at both ends and the right input is chosen.',
            [['Done', 'screen_now']],
          ),
          question('screen_now', 'Does the screen show something now?', '', [
            ['Yes', 'fixed_monitor'],
            ['No', 'workshop'],
          ]),
          question('boots', 'Does it reach the sign-in screen?', '', [
            ['Yes', 'fixed_boot'],
            ['No, it stops or restarts', 'workshop'],
          ]),
          solution('fixed_power', 'Solved: it had no power', ''),
          solution('fixed_monitor', 'Solved: the monitor was not connected', ''),
          solution('fixed_boot', 'It starts normally', 'Ask the user to sign in and check their work is there.'),
          escalation('workshop', 'Send it to the workshop', 'Write the asset tag and what you saw on the ticket.'),
        ],
      },
    },
  },
  {
    id: 'cannot-sign-in',
    title: 'Customer cannot sign in',
    summary: 'Password, locked account and two-step codes, with a rule on the account status.',
    document: {
      tree: {
        title: 'Customer cannot sign in',
        description: 'The customer cannot sign in to their account.',
        category: 'Accounts',
        tags: ['account', 'password', 'sign-in'],
      },
      graph: {
        start: 'status',
        variables: [
          {
            name: 'account_status',
            label: 'Account status (from the admin console)',
            type: 'choice',
            choices: ['active', 'locked', 'disabled'],
            required: 'at_start',
          },
        ],
        nodes: [
          {
            id: 'status',
            kind: 'logic',
            title: 'What is the account status?',
            rules: [
              { when: 'account_status == "locked"', label: 'The account is locked', next: 'unlock' },
              { when: 'account_status == "disabled"', label: 'The account is disabled', next: 'disabled' },
            ],
            default: 'message',
          },
          question('message', 'What does the sign-in page say?', '', [
            ['Wrong password', 'reset'],
            ['Asks for a code that never comes', 'codes'],
          ]),
          action(
            'reset',
            'Send a password reset link',
            'Send it from the admin console and stay on the line while the customer chooses a new password.',
            [['Done', 'signed_in']],
          ),
          action(
            'codes',
            'Check the phone number for two-step codes',
            'Compare the number on the account with the customer’s phone; correct it and send a new code.',
            [['Done', 'signed_in']],
          ),
          action(
            'unlock',
            'Unlock the account',
            'Unlock it in the admin console, then ask the customer to try again.',
            [['Done', 'signed_in']],
          ),
          question('signed_in', 'Can the customer sign in now?', '', [
            ['Yes', 'solved'],
            ['No', 'tier2'],
          ]),
          solution('solved', 'Signed in', ''),
          escalation(
            'disabled',
            'Refer to the account owner',
            'Disabled accounts are re-enabled by their organisation’s administrator only.',
          ),
          escalation('tier2', 'Escalate to tier 2', 'Note what the sign-in page said and what was tried.'),
        ],
      },
    },
  },
];
