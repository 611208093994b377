// `snf-occi serve`: placeholder until the OCCI server lands.
export const serveCommand = {
  summary: 'Serve OCCI',
  usage: 'Usage: snf-occi serve [--host H] [--port N]',
  async run(_args: string[]): Promise<number> {
    console.error('snf-occi serve: not available yet');
    return 1;
  },
};
