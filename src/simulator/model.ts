// The simulated Cyclades resources as the simulator stores them (internal shape, not the API shape:
// the views/ modules render these into Synnefo's JSON).

export interface User {
  token: string;
  id: string;
  projectId: string;
  name: string;
}

/** Internal operating state, as Synnefo's VirtualMachine.operstate (the API `status` is derived). */
export type OperState = 'BUILD' | 'STARTED' | 'STOPPED' | 'ERROR' | 'DESTROYED';

/** A pending Ganeti job on a server (VirtualMachine.task); '' when idle. */
export type ServerTask =
  | ''
  | 'BUILD'
  | 'START'
  | 'STOP'
  | 'REBOOT'
  | 'RESIZE'
  | 'DESTROY'
  | 'CONNECT'
  | 'DISCONNECT'
  | 'ATTACH_VOLUME'
  | 'DETACH_VOLUME';

/** Every action name validateServerAction knows (tasks plus the ones that never become a task). */
export type ServerAction = Exclude<ServerTask, ''> | 'REASSIGN' | 'FIREWALL';

export interface Owned {
  userId: string;
  projectId: string;
  created: number;
  updated: number;
  deleted: boolean;
}

export interface Diagnostic {
  level: string;
  created: number;
  source: string;
  message: string;
  details: string | null;
}

export interface Server extends Owned {
  id: number;
  name: string;
  flavorId: number;
  imageId: string;
  operstate: OperState;
  task: ServerTask;
  metadata: Map<string, string>;
  tags: string[];
  /** Ids of the ports (NICs) whose device_id is this server. */
  ports: Set<string>;
  /** Ids of the volumes attached to this server (root included). */
  volumes: Set<string>;
  keyNames: string[];
  adminPass: string | null;
  sharedToProject: boolean;
  diagnostics: Diagnostic[];
  /** Rendered `{"server": …}`, valid while the store generation is unchanged. */
  cache?: { gen: number; json: string };
}

export interface Network extends Owned {
  id: string;
  name: string;
  type: string;
  public: boolean;
  floatingIpPool: boolean;
  status: 'ACTIVE' | 'DELETED';
  subnets: string[];
  sharedToProject: boolean;
}

export interface Subnet {
  id: string;
  networkId: string;
  userId: string | null;
  projectId: string | null;
  name: string;
  ipVersion: 4 | 6;
  cidr: string;
  gatewayIp: string | null;
  enableDhcp: boolean;
  dnsNameservers: string[];
  hostRoutes: { destination: string; nexthop: string }[];
  allocationPools: { start: string; end: string }[];
  public: boolean;
}

export type PortStatus = 'DOWN' | 'BUILD' | 'ACTIVE' | 'ERROR';

export interface FixedIp {
  ipAddress: string;
  subnetId: string;
  version: 4 | 6;
}

export interface Port {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  networkId: string;
  deviceId: number | null;
  status: PortStatus;
  macAddress: string;
  fixedIps: FixedIp[];
  securityGroups: string[];
  firewallProfile: string | null;
  floatingIpId: string | null;
  /** Set while a DELETE is pending: the NIC is being removed by a job. */
  removing: boolean;
  created: number;
  updated: number;
}

export interface FloatingIp extends Owned {
  id: string;
  networkId: string;
  subnetId: string;
  address: string;
  portId: string | null;
  sharedToProject: boolean;
}

export type VolumeStatus =
  | 'creating'
  | 'available'
  | 'attaching'
  | 'detaching'
  | 'in_use'
  | 'deleting'
  | 'deleted'
  | 'error';

export interface Volume extends Owned {
  id: string;
  name: string;
  description: string;
  size: number;
  volumeTypeId: number;
  status: VolumeStatus;
  serverId: number | null;
  deviceIndex: number | null;
  deleteOnTermination: boolean;
  metadata: Map<string, string>;
  snapshotId: string | null;
  imageId: string | null;
  sharedToProject: boolean;
}

export interface Snapshot extends Owned {
  id: string;
  volumeId: string;
  name: string;
  description: string;
  size: number;
  status: 'CREATING' | 'AVAILABLE' | 'ERROR' | 'DELETED';
  progress: number;
  metadata: Map<string, string>;
}

export interface Keypair {
  userId: string;
  name: string;
  publicKey: string;
  fingerprint: string;
  created: number;
}

export interface VolumeType {
  id: number;
  name: string;
  diskTemplate: string;
  detachable: boolean;
  deleted: boolean;
}

export interface Flavor {
  id: number;
  name: string;
  cpu: number;
  ram: number;
  disk: number;
  volumeTypeId: number;
  allowCreate: boolean;
  public: boolean;
  deleted: boolean;
}

export interface Image {
  id: string;
  name: string;
  owner: string;
  public: boolean;
  status: 'ACTIVE' | 'SAVING' | 'ERROR' | 'UNKNOWN';
  created: number;
  updated: number;
  size: number;
  diskFormat: string;
  containerFormat: string;
  properties: Record<string, string>;
}
