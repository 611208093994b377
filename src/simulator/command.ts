// `snf-occi simulator`: placeholder until the simulator lands.
export const simulatorCommand = {
  summary: 'Run the Cyclades simulator standalone',
  usage: 'Usage: snf-occi simulator --port P --token T [--token T2 ...]',
  async run(_args: string[]): Promise<number> {
    console.error('snf-occi simulator: not available yet');
    return 1;
  },
};
